package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * bits in Apache Karaf 4.4.10 (issue 14), as a Karaf user installs it: a fresh Karaf from Maven Central's tarball,
 * started headless; {@code feature:repo-add} of the bits features by their Maven coordinates and
 * {@code feature:install bits}; a download job whose handler the engine installs on demand from a repository index
 * (SPEC H1-H3); the {@code bits:} commands in Karaf's console, whose {@code help} runs {@code CMD --help}; then
 * {@code bits-http}'s REST API on Karaf's HTTP Whiteboard (Pax Web). The console is driven over SSH with a key, the
 * way that works headless (shared/reference/SERVICE-AND-ADOPTION.md).
 */
class KarafTest {
	private static final String HANDLER = "bits.samples.complete";

	@TempDir
	Path tmp;

	private Path karaf;
	private Path key;
	private int sshPort;

	@Test
	void theFeaturesInstallByCoordinatesAndRunAJobWhoseHandlerIsInstalledOnDemand() throws Exception {
		assertThisBuildIsInstalled();
		karaf = unpack();
		int httpPort = Nginx.freePort();
		configure(httpPort);
		Path log = tmp.resolve("karaf.log");
		String javaHome = Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString();
		ProcessBuilder pb = new ProcessBuilder(karaf.resolve("bin/karaf").toString(), "server").directory(karaf.toFile())
				.redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().put("JAVA_HOME", javaHome);
		Process process = pb.start();
		byte[] data = new byte[700_000];
		new Random(44).nextBytes(data);
		Path out = Files.createDirectories(tmp.resolve("out"));
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/k.bin"), data);
			await(() -> shell("bundle:list -t 0 org.apache.karaf.shell.core").status == 0, () -> "Karaf's console did not answer: " + read(log));

			String version = Maven.property("bits.version");
			ok(shell("feature:repo-add mvn:io.github.bitsosgi/bits.karaf/" + version + "/xml/features"));
			ok(shell("feature:install bits"));
			Result bundles = ok(shell("bundle:list -s"));
			assertTrue(bundles.out.matches("(?s).*Active\\s*\\|\\s*\\d+\\s*\\|\\s*" + Maven.property("bits.api.version").replace(".", "\\.") + "\\s*\\|\\s*bits\\.api.*"), bundles.out);
			assertTrue(bundles.out.matches("(?s).*Active\\s*\\|.*\\|\\s*bits\\.engine.*"), bundles.out);

			// a job whose handler comes from the samples' index on demand: it completes the job, the file appears
			ok(shell(String.join("\n", "bits:create k", "bits:addfile k " + nginx.uri("/files/k.bin") + " " + out.resolve("k.bin"),
					"bits:sethandler k " + HANDLER, "bits:setpriority k FOREGROUND", "bits:resume k")));
			await(() -> Files.exists(out.resolve("k.bin")), () -> "the handler did not complete the job: " + value("bits:list --all --verbose").out
					+ value("bits:handlers").out + read(log));
			assertEquals(HexFormat.of().formatHex(sha256(data)), HexFormat.of().formatHex(sha256(Files.readAllBytes(out.resolve("k.bin")))));
			Result handlers = ok(value("bits:handlers"));
			assertTrue(handlers.out.contains(HANDLER), handlers.out);
			// the store is where Karaf keeps data
			assertTrue(Files.exists(karaf.resolve("data/bits/store/bits.db")), "no store in ${karaf.data}/bits");
			// readable by Karaf's user only: the directory, the store's and the secrets key (which seals passwords)
			assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(karaf.resolve("data/bits"))));
			assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(karaf.resolve("data/bits/store"))));
			assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(karaf.resolve("data/bits/secrets.key"))));

			// bits-http: the REST API on Karaf's HTTP Whiteboard, with the store's admin token
			ok(shell("feature:install bits-http"));
			// at Karaf's HTTP port (Pax Web initialises a servlet at its first request, so the api-address file the
			// ./bits wrapper reads appears only then; in Karaf the address is Karaf's HTTP configuration)
			URI api = URI.create("http://127.0.0.1:" + httpPort + "/bits/api/v1/");
			HttpClient http = HttpClient.newHttpClient();
			await(() -> status(http, api.resolve("engine")) == 401, () -> "the API did not come up: " + karafLog());
			String admin = Files.readAllLines(karaf.resolve("data/bits/store/api-tokens")).stream().filter(l -> l.endsWith(" *"))
					.findFirst().orElseThrow().split(" ")[0];
			HttpResponse<String> engine = http.send(HttpRequest.newBuilder(api.resolve("engine"))
					.header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
			assertEquals(200, engine.statusCode(), engine.body());
			assertTrue(engine.body().contains("\"storeDirectory\":\"" + karaf.resolve("data/bits/store") + "\""), engine.body());

			// help never runs the command (Karaf's help runs CMD --help and shows what it printed): no job named --help.
			// Karaf's help prints only to a terminal, so these run in an interactive session.
			String jobs = ok(value("bits:list --all --json")).out;
			String console = interactive("help bits:create", "bits:list --help", "bits:create -h");
			assertTrue(console.contains("usage: bits:create [options] <display name>"), console);
			assertTrue(console.contains("usage: bits:list [options]"), console);
			assertFalse(console.contains("Cannot coerce") || console.contains("Exception"), console);
			assertEquals(jobs, ok(value("bits:list --all --json")).out, "help created a job");
		} finally {
			stop(process, log);
		}
	}

	/** Karaf takes mvn: URLs from the local repository: it must hold this build's engine, not an older one. */
	private static void assertThisBuildIsInstalled() throws Exception {
		Path built = Path.of(Maven.property("bits.engine.jar"));
		String version = Maven.property("bits.version");
		Path installed = Path.of(System.getProperty("user.home"), ".m2/repository/io/github/bitsosgi/bits.engine", version,
				"bits.engine-" + version + ".jar");
		assertTrue(Files.exists(installed) && MessageDigest.isEqual(sha256(Files.readAllBytes(built)), sha256(Files.readAllBytes(installed))),
				"KarafTest needs this build installed in the local Maven repository: run mvn install (cnf/test.sh does)");
	}

	private Path unpack() throws IOException, InterruptedException {
		Path tarball = Path.of(Maven.property("bits.karaf.tarball"));
		Nginx.run(List.of("tar", "-xzf", tarball.toString(), "-C", tmp.toString()));
		try (var dirs = Files.list(tmp)) {
			return dirs.filter(d -> d.getFileName().toString().startsWith("apache-karaf-")).findFirst().orElseThrow();
		}
	}

	/** Free ports for SSH, RMI and HTTP; SSH login with a key; the engine's handler repository. */
	private void configure(int httpPort) throws Exception {
		sshPort = Nginx.freePort();
		Path etc = karaf.resolve("etc");
		replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort = 8101", "sshPort = " + sshPort);
		replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost = 0.0.0.0", "sshHost = 127.0.0.1");
		// bits comes from the local repository only (what mvn install put there), never a remote snapshot repository
		Path mvn = etc.resolve("org.ops4j.pax.url.mvn.cfg");
		Files.writeString(mvn, Files.readString(mvn).replaceAll("(?m)^org\\.ops4j\\.pax\\.url\\.mvn\\.repositories\\s*=.*(\\n[ \t]+.*)*",
				"org.ops4j.pax.url.mvn.repositories = https://repo1.maven.org/maven2@id=central"));
		assertTrue(Files.readAllLines(mvn).stream().filter(l -> !l.startsWith("#")).noneMatch(l -> l.contains("snapshots-group") || l.contains("ops4j-snapshots")),
				"remote snapshot repositories left in " + mvn);
		replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort = 1099", "rmiRegistryPort = " + Nginx.freePort());
		replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort = 44444", "rmiServerPort = " + Nginx.freePort());
		// Karaf's HTTP service (Pax Web, installed by bits-http): on loopback, as bits' own distribution listens
		Files.writeString(etc.resolve("org.ops4j.pax.web.cfg"), "org.osgi.service.http.port = " + httpPort
				+ "\norg.ops4j.pax.web.listening.addresses = 127.0.0.1\n");
		replace(etc.resolve("users.properties"), "#_g_\\:admingroup", "_g_\\:admingroup");
		key = tmp.resolve("key");
		Nginx.run(List.of("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", key.toString()));
		String pub = Files.readString(tmp.resolve("key.pub")).split(" ")[1];
		Files.writeString(etc.resolve("keys.properties"), Files.readString(etc.resolve("keys.properties")) + "\nkaraf=" + pub + ",_g_:admingroup\n");
		Path index = Path.of(Maven.property("bits.samples.index")).toAbsolutePath().normalize();
		Files.writeString(etc.resolve("bits.engine.cfg"), "handler.repositories = " + index.toUri() + "\n");
	}

	private static void replace(Path file, String from, String to) throws IOException {
		String text = Files.readString(file);
		assertTrue(text.contains(from), file + " has no '" + from + "'");
		Files.writeString(file, text.replace(from, to));
	}

	/** ssh's own messages (such as "Connection to ... closed") go to err, apart from what the console printed. */
	private record Result(int status, String out, String err) {
	}

	/**
	 * What a command returns, which Karaf's SSH exec mode does not print (its ShellCommand drops the value; the
	 * interactive console prints it): echo prints it.
	 */
	private Result value(String command) {
		return shell("echo (" + command + ")");
	}

	/**
	 * Commands typed into Karaf's interactive console over SSH with a terminal, each followed by an echo of a mark
	 * that is waited for; the console's output, without terminal escapes.
	 */
	private String interactive(String... commands) throws Exception {
		Path output = Files.createTempFile(tmp, "console", ".out");
		Process p = new ProcessBuilder(ssh("-tt")).redirectErrorStream(true).redirectOutput(output.toFile()).start();
		try (var in = p.getOutputStream()) {
			Supplier<String> text = () -> read(output).replaceAll("\u001b(\\[[0-9;?]*[a-zA-Z]|[=>])", "");
			await(() -> text.get().contains("karaf@root()>"), () -> "no prompt: " + text.get());
			// the console drops what is typed before its line reader is ready: echo until it answers
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			for (int n = 0; !text.get().matches("(?s).*\nready-\\d+\\s*\n.*"); n++) {
				assertTrue(System.nanoTime() < deadline, () -> "the console reads nothing: " + text.get());
				in.write(("echo ready-" + n + "\r").getBytes(StandardCharsets.UTF_8));
				in.flush();
				long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
				while (System.nanoTime() < wait && !text.get().contains("\nready-" + n)) {
					Thread.sleep(50);
				}
			}
			for (int i = 0; i < commands.length; i++) {
				String mark = "done-" + i;
				in.write((commands[i] + "\r" + "echo " + mark + "\r").getBytes(StandardCharsets.UTF_8));
				in.flush();
				await(() -> text.get().matches("(?s).*\n" + mark + "\\s*\n.*"), () -> "no " + mark + ": " + text.get());
			}
			in.write("logout\r".getBytes(StandardCharsets.UTF_8));
			in.flush();
			assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the console did not end");
			return text.get();
		} finally {
			p.destroyForcibly();
		}
	}

	private List<String> ssh(String... options) {
		List<String> ssh = new ArrayList<>(List.of("ssh", "-q", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
				"-o", "PubkeyAcceptedAlgorithms=+ssh-rsa", "-o", "HostKeyAlgorithms=+ssh-rsa", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
				"-i", key.toString(), "-p", Integer.toString(sshPort)));
		ssh.addAll(List.of(options));
		ssh.add("karaf@127.0.0.1");
		return ssh;
	}

	/** One console command line (or several, one per line) over SSH. */
	private Result shell(String command) {
		try {
			List<String> ssh = ssh();
			ssh.add(command);
			Path output = Files.createTempFile(tmp, "ssh", ".out");
			Path errors = Files.createTempFile(tmp, "ssh", ".err");
			Process p = new ProcessBuilder(ssh).redirectInput(new File("/dev/null")).redirectOutput(output.toFile())
					.redirectError(errors.toFile()).start();
			if (!p.waitFor(120, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new AssertionError("ssh " + command + " did not end");
			}
			return new Result(p.exitValue(), Files.readString(output), Files.readString(errors));
		} catch (IOException | InterruptedException e) {
			throw new AssertionError(e);
		}
	}

	private Result ok(Result r) {
		assertEquals(0, r.status, () -> r.out + r.err + "\nKaraf's log:\n" + karafLog());
		assertFalse((r.out + r.err).contains("Error executing command") || (r.out + r.err).contains("Exception"),
				() -> r.out + r.err + "\nKaraf's log:\n" + karafLog());
		return r;
	}

	/** The end of Karaf's own log (data/log/karaf.log), where the engine's log goes. */
	private String karafLog() {
		String log = read(karaf.resolve("data/log/karaf.log"));
		return log.substring(Math.max(0, log.length() - 20_000));
	}

	private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
		while (!condition.getAsBoolean()) {
			assertTrue(System.nanoTime() < deadline, what);
			Thread.sleep(200);
		}
	}

	private void stop(Process process, Path log) throws Exception {
		ProcessBuilder stop = new ProcessBuilder(karaf.resolve("bin/stop").toString()).directory(karaf.toFile()).redirectErrorStream(true)
				.redirectOutput(tmp.resolve("stop.log").toFile());
		stop.environment().put("JAVA_HOME", Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString());
		stop.start().waitFor(60, TimeUnit.SECONDS);
		if (!process.waitFor(60, TimeUnit.SECONDS)) { // killed, not a failure of its own: the test's outcome stands
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
			System.err.println("KarafTest: Karaf did not stop in 60 s and was killed: " + read(log));
		}
	}

	private static int status(HttpClient http, URI uri) {
		try {
			return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
		} catch (IOException e) {
			return -1; // not listening yet
		} catch (InterruptedException e) {
			throw new AssertionError(e);
		}
	}

	private static byte[] sha256(byte[] data) throws Exception {
		return MessageDigest.getInstance("SHA-256").digest(data);
	}

	private static String read(Path p) {
		try {
			return Files.readString(p);
		} catch (IOException e) {
			return e.toString();
		}
	}
}
