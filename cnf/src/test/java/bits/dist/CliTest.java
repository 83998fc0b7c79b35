package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/** The ./bits command line (issue 6): one bits: command per run against a store, exit status 0 or 1 with one line. */
class CliTest {
	@TempDir
	Path tmp;

	record Result(int status, String out, String err) {
	}

	private Result bits(String... args) throws IOException, InterruptedException {
		return run(command(args));
	}

	private List<String> command(String... args) {
		List<String> cmd = new ArrayList<>(List.of("sh", System.getProperty("bits.wrapper"), "--store", tmp.resolve("store").toString()));
		cmd.addAll(List.of(args));
		return cmd;
	}

	private Result run(List<String> cmd) throws IOException, InterruptedException {
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		List<String> args = cmd.subList(Math.min(4, cmd.size()), cmd.size());
		if (!p.waitFor(120, TimeUnit.SECONDS)) {
			String why = "./bits " + args + " did not end in 120 s\n" + stuck(p, tmp.resolve("err.txt"));
			System.err.println(why); // the whole of it in the build's log, which shows a failure's first line only
			throw new AssertionError(why);
		}
		return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
				Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
	}

	@Test
	void oneCommandPerRunDownloadsAFile() throws Exception {
		byte[] data = new byte[300_000];
		new Random(3).nextBytes(data);
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("c.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/c.bin"), data);
			Result created = bits("create", "nightly build");
			assertEquals(0, created.status(), created.err());
			assertTrue(created.out().trim().matches("[0-9a-f-]{36}"), created.out());
			assertEquals(0, bits("addfile", "nightly build", nginx.uri("/files/c.bin").toString(), dest.toString()).status());
			assertEquals(0, bits("setpriority", "nightly build", "FOREGROUND").status());
			assertEquals(0, bits("resume", "nightly build").status());
			Result waited = bits("wait", "nightly build"); // the engine runs until the job is transferred
			assertEquals("TRANSFERRED", waited.out().trim(), waited.err());
			assertTrue(bits("list").out().contains("TRANSFERRED"));
			assertEquals(0, bits("complete", "nightly build").status());
			assertArrayEquals(data, Files.readAllBytes(dest));
		}
	}

	/**
	 * A one-shot run makes the class data sharing archive of its jar and java (issue 17, P10), the next runs map it, and
	 * an archive that does not fit (here: not an archive at all) is ignored: every run answers as without one.
	 */
	@Test
	void oneShotRunsShareAClassArchiveAndIgnoreOneThatDoesNotFit() throws Exception {
		Path cds = Path.of(System.getProperty("bits.wrapper")).getParent().resolve("cnf/target/cds");
		try (var old = Files.list(Files.createDirectories(cds))) {
			for (Path p : (Iterable<Path>) old::iterator) {
				Files.delete(p);
			}
		}
		Result first = bits("list", "--json");
		assertEquals(0, first.status(), first.err());
		List<Path> archives;
		try (var files = Files.list(cds)) {
			archives = files.toList();
		}
		assertEquals(1, archives.size(), "one archive, no half-written one left: " + archives);
		assertTrue(archives.get(0).getFileName().toString().matches("bits-[0-9]+\\.jsa") && Files.size(archives.get(0)) > 0, archives.toString());
		Result mapped = bits("list", "--json");
		assertEquals(first, mapped);
		archives.get(0).toFile().setWritable(true);
		Files.writeString(archives.get(0), "not an archive");
		assertEquals(first, bits("list", "--json"));
	}

	@Test
	void aBadCommandExitsOneWithOneLine() throws Exception {
		Result r = bits("info", "nosuch");
		assertEquals(1, r.status());
		assertEquals("bits: no job with id, id prefix or display name 'nosuch'", r.err().trim());
		Result flags = bits("create", "x");
		assertEquals(0, flags.status());
		Result bad = bits("setnotifyflags", "x", "BOGUS");
		assertEquals(1, bad.status());
		assertTrue(bad.err().trim().startsWith("bits: notify flag 'BOGUS' is not one of"), bad.err());
		assertEquals("JOB_TRANSFERRED JOB_ERROR (3)", bits("getnotifyflags", "x").out().trim());
	}

	@Test
	void helpExitsZeroAndRunsNothingAUsageErrorExitsOneWithOneLine() throws Exception { // SPEC §5: --help never runs the command
		Result help = bits("create", "--help");
		assertEquals(0, help.status(), help.err());
		assertTrue(help.out().startsWith("bits:create - create a job") && help.out().contains("\nusage: bits:create [options] <display name>\n"),
				help.out());
		Result h = bits("setdescription", "x", "-h");
		assertEquals(0, h.status(), h.err());
		assertTrue(h.out().contains("usage: bits:setdescription <job> <description>"), h.out());
		Result bad = bits("create", "--bogus", "x");
		assertEquals(1, bad.status());
		assertTrue(bad.err().trim().startsWith("bits: bits:create: unknown option --bogus; usage: bits:create [options] <display name>"), bad.err());
		assertEquals(1, bad.err().trim().lines().count(), bad.err());
		Result list = bits("list", "--all");
		assertEquals(0, list.status(), list.err());
		assertEquals("", list.out().trim(), "nothing was created");
	}

	@Test
	void waitFailsUnlessTheJobWasTransferred() throws Exception {
		try (Nginx nginx = Nginx.start(tmp)) {
			assertEquals(0, bits("create", "missing").status());
			assertEquals(0, bits("addfile", "missing", nginx.uri("/files/none.bin").toString(), tmp.resolve("none.bin").toString()).status());
			assertEquals(0, bits("resume", "missing").status());
			Result waited = bits("wait", "--all");
			assertEquals(1, waited.status(), waited.out());
			assertTrue(lastLine(waited.err()).startsWith("bits: 'missing' is ERROR: "), waited.err()); // after the progress lines
			assertTrue(waited.err().contains("404"), waited.err());
		}
	}

	private static String lastLine(String text) {
		List<String> lines = text.strip().lines().toList();
		return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
	}

	private static String sha256(byte[] data) throws Exception {
		return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
	}

	@Test
	void transferDownloadsWithProgressAndExitsZero() throws Exception {
		byte[] data = new byte[12 << 20];
		new Random(4).nextBytes(data);
		Path out = Files.createDirectories(tmp.resolve("out"));
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/t.bin"), data);
			String url = nginx.uri("/limited/t.bin").toString(); // 16 MB/s: under a second, long enough for progress

			Result plain = bits("transfer", url, out.resolve("t.bin").toString());
			assertEquals(0, plain.status(), plain.err());
			assertEquals(sha256(data), sha256(Files.readAllBytes(out.resolve("t.bin"))));
			assertTrue(plain.out().startsWith("transferred 1 file(s), 12.0 MiB in "), plain.out());
			assertTrue(plain.err().lines().anyMatch(l -> l.matches("bits: TRANSFERRING  [0-9.]+ [KM]iB / 12.0 MiB  .*/s  ETA .*")), plain.err());
			assertEquals("bits: TRANSFERRED  12.0 MiB / 12.0 MiB", lastLine(plain.err()).replaceAll("  [0-9.]+ [KM]?i?B/s.*", ""));
			try (var files = Files.list(out)) {
				assertEquals(List.of("t.bin"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
			}

			// on a terminal (a pty from script(1)): a bar redrawn in place
			String line = String.join(" ", command("transfer", "--priority", "HIGH", url, out.resolve("bar.bin").toString()));
			Result bar = run(List.of("script", "-qec", line, "/dev/null"));
			assertEquals(0, bar.status(), bar.out());
			assertTrue(bar.out().contains("\r[####") && bar.out().contains("100%  12.0 MiB / 12.0 MiB"), bar.out());
			assertEquals(sha256(data), sha256(Files.readAllBytes(out.resolve("bar.bin"))));

			Result json = bits("transfer", "--json", url, out.resolve("j.bin").toString());
			assertEquals(0, json.status(), json.err());
			Map<String, Object> doc = new JSONParser(json.out()).getParsed();
			assertEquals("TRANSFERRED", doc.get("result"));
			@SuppressWarnings("unchecked")
			Map<String, Object> job = (Map<String, Object>) doc.get("job");
			assertEquals(12L << 20, ((Number) job.get("bytesTransferred")).longValue());
			assertEquals("", json.err(), "--json: no progress");

			Result missing = bits("transfer", nginx.uri("/files/none.bin").toString(), out.resolve("none.bin").toString());
			assertEquals(1, missing.status());
			assertTrue(lastLine(missing.err()).matches("bits: 'transfer none.bin' is ERROR: .*404.*; the job was cancelled"), missing.err());
			assertEquals("", bits("list", "--all").out().strip(), "no job left behind");
		}
	}

	@Test
	void transferUploadSendsOneFileToAnUploadEndpointAndExitsZero() throws Exception { // SPEC U1, issue 18: ./bits transfer --upload
		byte[] data = new byte[5 << 20];
		new Random(5).nextBytes(data);
		Path sources = Files.createDirectories(tmp.resolve("sources"));
		Path source = Files.write(sources.resolve("u.bin"), data);
		Files.createDirectories(tmp.resolve("store/config"));
		Files.writeString(tmp.resolve("store/config/bits.engine.cfg"), "file.roots=" + sources + "\n");
		Path received = Files.createDirectories(tmp.resolve("received"));
		try (EngineProcess.UploadEndpoint receiver = EngineProcess.UploadEndpoint.start(tmp.resolve("server"), received, tmp.resolve("server.log"))) {
			String url = receiver.url("u.bin");
			String token = receiver.token();

			Result refused = bits("transfer", "--upload", url, source.toString());
			assertEquals(1, refused.status(), "no credentials: the server's 401");
			assertTrue(lastLine(refused.err()).matches("bits: 'upload u.bin' is ERROR: .*401.*; the job was cancelled"), refused.err());

			ProcessBuilder withToken = new ProcessBuilder(command("transfer", "--upload", "--user", "cli", "--password-env", "BITS_TEST_TOKEN", "--allow-http",
					url, source.toString())).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
			withToken.environment().put("BITS_NO_BUILD", "1");
			withToken.environment().put("BITS_TEST_TOKEN", token); // the engine process reads it: never an argument
			Process p = withToken.start();
			assertTrue(p.waitFor(120, TimeUnit.SECONDS));
			String out = Files.readString(tmp.resolve("out.txt"));
			assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
			assertTrue(out.startsWith("uploaded 5.0 MiB in ") && out.trim().endsWith(url), out);
			assertEquals(sha256(data), sha256(Files.readAllBytes(received.resolve("u.bin"))), "closed: at the server, whole");
			assertEquals("", bits("list", "--all").out().strip(), "no job left behind");
		}
	}

	@Test
	void demoRunsOfflineAndCleansUp() throws Exception {
		Result demo = bits("demo");
		assertEquals(0, demo.status(), demo.out() + demo.err());
		String out = demo.out();
		assertTrue(out.contains("2. handler bits.samples.logging before: AVAILABLE"), out); // only in the samples index
		assertTrue(out.contains("logged: job ") && out.contains(" transferred to "), out); // FILE_TRANSFERRED, in the handler's log
		assertTrue(out.contains("(bits demo) transferred: "), out); // JOB_TRANSFERRED
		assertTrue(out.contains("5. handler bits.samples.logging after: ACTIVE"), out);
		assertTrue(out.contains("has the served bytes"), out);
		String cleaned = lastLine(out).replace("demo done; cleaned up ", "");
		assertTrue(!Files.exists(Path.of(cleaned)), cleaned);
	}

	@Test
	void serveRunsJobsAndHoldsTheStoreAgainstASecondProcess() throws Exception {
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/s.bin"), new byte[500_000]);
			assertEquals(0, bits("create", "served").status());
			assertEquals(0, bits("addfile", "served", nginx.uri("/files/s.bin").toString(), tmp.resolve("s.bin").toString()).status());
			assertEquals(0, bits("resume", "served").status());
			aSecondProcessOnAStoreInUseFails(() -> {
				long served = 0; // what nginx sent of the file, by its access log: all of it means the engine has it
				for (String line : nginx.requests("/files/s.bin")) {
					served += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
				}
				return served >= 500_000;
			});
			assertEquals("TRANSFERRED", bits("info", "served", "--json").out().replaceAll("(?s).*\"state\":\"(\\w+)\".*", "$1"),
					"serve transferred the job");
		}
	}

	@Test
	void shellReadsCommandsFromStdinWhenItIsNotATerminal() throws Exception {
		Result r = run(List.of("sh", "-c", "printf 'bits:create piped\\nbits:list --json\\nstop 0\\n' | sh " + System.getProperty("bits.wrapper")
				+ " --store " + tmp.resolve("store") + " shell"));
		assertEquals(0, r.status(), r.err());
		assertTrue(r.out().contains("\"displayName\":\"piped\""), r.out());
	}

	@Test
	void outputGoesThroughTheCallersStdoutAppendingWhereItAppends() throws Exception {
		String id = bits("create", "kept").out().strip();
		Path log = Files.writeString(tmp.resolve("mylog.txt"), "one\ntwo\n");
		ProcessBuilder append = new ProcessBuilder(command("list", "--json")).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.redirectError(tmp.resolve("err.txt").toFile());
		assertEquals(0, finished(append).exitValue(), Files.readString(tmp.resolve("err.txt"))); // ./bits list --json >> mylog.txt
		List<String> lines = Files.readAllLines(log);
		assertEquals(List.of("one", "two"), lines.subList(0, Math.min(2, lines.size())), "the earlier lines are kept");
		List<Object> jobs = new JSONParser(String.join("\n", lines.subList(2, lines.size()))).getParsedList();
		assertEquals(id, ((Map<?, ?>) jobs.get(0)).get("id"));

		// ./bits info kept --json > out.json 2>&1, with the JVM printing on stderr first (JAVA_TOOL_OPTIONS): both kept whole
		ProcessBuilder both = new ProcessBuilder(command("info", "kept", "--json")).redirectErrorStream(true)
				.redirectOutput(tmp.resolve("out.json").toFile());
		both.environment().put("JAVA_TOOL_OPTIONS", "-Dbits.test=1");
		assertEquals(0, finished(both).exitValue(), Files.readString(tmp.resolve("out.json")));
		List<String> out = Files.readAllLines(tmp.resolve("out.json"));
		assertEquals("Picked up JAVA_TOOL_OPTIONS: -Dbits.test=1", out.get(0), String.join("\n", out));
		assertEquals(id, new JSONParser(String.join("\n", out.subList(1, out.size()))).getParsed().get("id"));

		Result plain = bits("info", "kept", "--json");
		assertEquals(id, new JSONParser(plain.out()).getParsed().get("id"));
		assertEquals("", plain.err(), "nothing on stderr either: no EventAdmin 'Event Task Processing Interrupted' warning");
	}

	@Test
	void passwordsAreReadFromStdinOrAFileNeverFromArguments() throws Exception {
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/p.bin"), new byte[100_000]);
			for (String job : List.of("typed", "filed")) { // nginx's /auth/ wants user:s3cret and this token
				assertEquals(0, bits("create", job).status());
				assertEquals(0, bits("addfile", job, nginx.uri("/auth/p.bin").toString(), tmp.resolve(job + ".bin").toString()).status());
				assertEquals(0, bits("setcustomheaders", job, "X-Bits-Token: t0ken").status());
			}
			Result refused = bits("setcredentials", "typed", "SERVER", "BASIC", "user", "s3cret");
			assertEquals(1, refused.status());
			assertTrue(refused.err().startsWith("bits: setcredentials takes no password argument (it would show in the process list)"),
					refused.err());
			assertTrue(bits("info", "typed", "--verbose").out().contains("credentials: server none"), "the refused form set nothing");

			// on stdin; meanwhile no process's command line holds the password
			ProcessBuilder pb = new ProcessBuilder(command("setcredentials", "--allow-http", "typed", "SERVER", "BASIC", "user"))
					.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
			pb.environment().put("BITS_NO_BUILD", "1");
			Process typed = pb.start();
			try (var in = typed.getOutputStream()) {
				in.write("s3cret\n".getBytes(StandardCharsets.UTF_8));
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
			while (!typed.waitFor(10, TimeUnit.MILLISECONDS)) {
				assertTrue(System.nanoTime() < deadline, "setcredentials did not end");
				assertEquals(List.of(), commandLinesContaining("s3cret"));
			}
			assertEquals(0, typed.exitValue(), Files.readString(tmp.resolve("err.txt")));

			Path file = Files.writeString(tmp.resolve("password.txt"), "s3cret\n");
			assertEquals(0, bits("setcredentials", "--allow-http", "--password-file", file.toString(), "filed", "SERVER", "BASIC", "user").status());
			assertTrue(bits("info", "typed", "--verbose").out().contains("credentials: server set"));
			assertEquals(0, bits("resume", "typed").status());
			assertEquals(0, bits("resume", "filed").status());
			Result waited = bits("wait", "typed", "filed"); // transferred: the password was the right one
			assertEquals(0, waited.status(), waited.err());
		}
	}

	@Test
	void theCommandsArgumentsAreNotInTheJvmsCommandLine() throws Exception {
		Process wrapper = waitingOn("argument-in-env");
		try {
			ProcessHandle jvm = engineOf(wrapper);
			String cmdline = new String(Files.readAllBytes(Path.of("/proc/" + jvm.pid() + "/cmdline")), StandardCharsets.UTF_8);
			assertTrue(cmdline.contains("-jar"), cmdline);
			assertTrue(!cmdline.contains("argument-in-env") && !cmdline.contains("bits:wait"), cmdline.replace('\0', ' '));
			// a one-shot engine serves no API: a second command cannot attach to it, and is refused at once
			Result busy = bits("list");
			assertEquals(1, busy.status());
			assertEquals("bits: store " + tmp.resolve("store").toRealPath() + " is in use by process " + jvm.pid(), busy.err().strip());
		} finally {
			stop(wrapper);
		}
	}

	@Test
	void theSqliteDriversLibraryIsLoadedFromTheStoresCopy() throws Exception {
		Process wrapper = waitingOn("library");
		try {
			ProcessHandle jvm = engineOf(wrapper);
			// the driver's own way writes the library to /tmp and runs uname at every start (SqliteLibrary)
			List<String> mapped = List.of();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (mapped.isEmpty()) { // the store's lock comes before the driver loads its library
				assertTrue(jvm.isAlive() && System.nanoTime() < deadline, "no SQLite library loaded: " + Files.readString(tmp.resolve("err.txt")));
				mapped = Files.readAllLines(Path.of("/proc/" + jvm.pid() + "/maps")).stream().filter(l -> l.contains("sqlitejdbc"))
						.map(l -> l.substring(l.indexOf('/'))).distinct().toList();
				wrapper.waitFor(20, TimeUnit.MILLISECONDS);
			}
			Path store = tmp.resolve("store").toRealPath();
			assertEquals(1, mapped.size(), mapped.toString());
			assertTrue(mapped.get(0).startsWith(store.resolve("native/sqlite-jdbc-").toString()), mapped + " is not in " + store);
		} finally {
			stop(wrapper);
		}
	}

	/**
	 * @return {@code ./bits wait} of a new job, which waits as long as the job stays SUSPENDED: its JVM runs until
	 *         {@link #stop}ped
	 */
	private Process waitingOn(String job) throws IOException, InterruptedException {
		assertEquals(0, bits("create", job).status());
		ProcessBuilder pb = new ProcessBuilder(command("wait", job)).redirectOutput(tmp.resolve("out.txt").toFile())
				.redirectError(tmp.resolve("err.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		return pb.start();
	}

	/** Stops what {@code wrapper} started: SIGTERM, on which the JVM's shutdown hook stops the framework. */
	private static void stop(Process wrapper) throws InterruptedException {
		wrapper.descendants().forEach(ProcessHandle::destroy);
		assertTrue(wrapper.waitFor(60, TimeUnit.SECONDS));
	}

	/** @return the engine JVM that {@code wrapper} started, once it holds the store (its pid in the store's lock file) */
	private ProcessHandle engineOf(Process wrapper) throws IOException, InterruptedException {
		Path lock = tmp.resolve("store/bits.lock");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (true) {
			assertTrue(wrapper.isAlive() && System.nanoTime() < deadline, "the engine did not start: " + Files.readString(tmp.resolve("err.txt")));
			String pid = Files.exists(lock) ? Files.readString(lock).strip() : "";
			ProcessHandle jvm = wrapper.descendants().filter(h -> Long.toString(h.pid()).equals(pid)).findFirst().orElse(null);
			if (jvm != null) {
				return jvm;
			}
			wrapper.waitFor(20, TimeUnit.MILLISECONDS);
		}
	}

	private static Process finished(ProcessBuilder pb) throws IOException, InterruptedException {
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), pb.command() + " did not end");
		return p;
	}

	/** The processes whose command line (/proc/PID/cmdline) contains the text. */
	/**
	 * What a run that did not end shows: what it printed on stderr and the threads of its JVM (jcmd), then it is ended;
	 * a failure of the CI run is otherwise a line without a cause.
	 */
	static String stuck(Process p, Path err) throws IOException, InterruptedException {
		StringBuilder s = new StringBuilder("stderr:\n").append(Files.readString(err, StandardCharsets.UTF_8));
		for (ProcessHandle h : p.descendants().filter(h -> h.info().command().orElse("").endsWith("/java")).toList()) {
			Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(h.pid()), "Thread.print")
					.redirectErrorStream(true).start();
			String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			jcmd.waitFor(30, TimeUnit.SECONDS);
			s.append("\nthreads of ").append(h.pid()).append(":\n").append(dump);
		}
		p.descendants().forEach(ProcessHandle::destroyForcibly);
		p.destroyForcibly();
		return s.toString();
	}

	private static List<String> commandLinesContaining(String text) throws IOException {
		List<String> found = new ArrayList<>();
		try (var procs = Files.list(Path.of("/proc"))) {
			for (Path p : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
				try {
					String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
					if (cmdline.contains(text)) {
						found.add(p.getFileName() + ": " + cmdline.replace('\0', ' '));
					}
				} catch (IOException e) {
					// the process ended meanwhile
				}
			}
		}
		return found;
	}

	/** Runs ./bits serve, checks a second serve is refused, waits for {@code done}, and stops it. */
	private void aSecondProcessOnAStoreInUseFails(java.util.concurrent.Callable<Boolean> done) throws Exception {
		ProcessBuilder pb = new ProcessBuilder(command("serve")).redirectErrorStream(true).redirectOutput(tmp.resolve("serve.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process serve = pb.start();
		try {
			Path lock = tmp.resolve("store/bits.lock");
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (!(Files.exists(lock) && Files.readString(lock).trim().equals(Long.toString(serve.pid())))) {
				assertTrue(serve.isAlive() && System.nanoTime() < deadline, "serve did not take the store: " + Files.readString(tmp.resolve("serve.txt")));
				Thread.sleep(50);
			}
			Result second = bits("serve"); // S4: every other command attaches to it (AttachTest)
			assertEquals(1, second.status());
			assertTrue(second.err().strip().startsWith("bits: store " + tmp.resolve("store").toRealPath() + " is already served by process " + serve.pid()
					+ ", API at http://127.0.0.1:"), second.err());
			while (!done.call()) {
				assertTrue(serve.isAlive() && System.nanoTime() < deadline, "serve did not finish: " + Files.readString(tmp.resolve("serve.txt")));
				Thread.sleep(50);
			}
			Thread.sleep(1000); // the engine records TRANSFERRED right after the last byte
		} finally {
			serve.destroy(); // SIGTERM: the JVM's shutdown hook stops the framework
			assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
		}
		Result free = bits("list");
		assertEquals(0, free.status(), "free again once the engine stopped: " + free.err());
	}
}
