package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * SPEC S4: with ./bits serve holding the store, every other ./bits command attaches to it (through POST /shell) with
 * the output and exit status of the one-shot path; a second serve is refused; after kill -9 the next command waits
 * for the store lock.
 */
class AttachTest {
	@TempDir
	Path tmp;
	private Process serve;

	record Result(int status, String out, String err) {
	}

	private Path store() {
		return tmp.resolve("store");
	}

	private List<String> command(String... args) {
		List<String> cmd = new ArrayList<>(List.of("sh", System.getProperty("bits.wrapper"), "--store", store().toString()));
		cmd.addAll(List.of(args));
		return cmd;
	}

	private Result bits(String... args) throws IOException, InterruptedException {
		return run(command(args), null);
	}

	private Result run(List<String> cmd, String input) throws IOException, InterruptedException {
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		try (var in = p.getOutputStream()) {
			if (input != null) {
				in.write(input.getBytes(StandardCharsets.UTF_8));
			}
		}
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd + " did not end");
		return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
				Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
	}

	/** Starts ./bits serve and waits for its API. */
	private String serve() throws Exception {
		ProcessBuilder pb = new ProcessBuilder(command("serve")).redirectErrorStream(true).redirectOutput(tmp.resolve("serve.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		serve = pb.start();
		Path address = store().resolve("api-address");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!(Files.exists(address) && Files.readString(store().resolve("bits.lock")).strip().equals(Long.toString(serve.pid())))) {
			assertTrue(serve.isAlive() && System.nanoTime() < deadline, "serve did not start: " + Files.readString(tmp.resolve("serve.txt")));
			Thread.sleep(20);
		}
		String api = Files.readString(address).strip();
		// ./bits serve tells where its API is (the wrapper prints it once the engine wrote it)
		while (!Files.readString(tmp.resolve("serve.txt")).contains("bits: API at " + api + "\n")) {
			assertTrue(serve.isAlive() && System.nanoTime() < deadline, "serve did not print its API's address " + api + ": "
					+ Files.readString(tmp.resolve("serve.txt")));
			Thread.sleep(20);
		}
		return api;
	}

	@AfterEach
	void stopServe() throws Exception {
		if (serve != null && serve.isAlive()) {
			serve.destroy(); // SIGTERM: the JVM's shutdown hook stops the framework
			assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
		}
	}

	/** The jobs of the serving engine, by its REST API with the admin token: what the commands did happened there. */
	private List<Object> servedJobs(String api) throws Exception {
		String admin = Files.readAllLines(store().resolve("api-tokens")).stream().filter(l -> l.endsWith(" *")).findFirst().orElseThrow().split(" ")[0];
		HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api + "/jobs?all=true"))
				.header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
		assertEquals(200, r.statusCode(), r.body());
		return new JSONParser(r.body()).getParsedList();
	}

	private void assertServing() throws IOException {
		assertTrue(serve.isAlive(), Files.readString(tmp.resolve("serve.txt")));
		assertEquals(Long.toString(serve.pid()), Files.readString(store().resolve("bits.lock")).strip(), "the serve still holds the store");
	}

	@Test
	void theOutputAndExitStatusAreTheOneShotsAttachedOrNot() throws Exception {
		assertEquals(0, bits("create", "same").status());
		assertEquals(0, bits("setdescription", "same", "déjà vu: UTF-8 kept").status());
		String[][] commands = { { "info", "same" }, { "info", "same", "--json" }, { "info", "same", "--verbose" }, { "list" }, { "list", "--all", "--json" },
				{ "list", "--verbose" }, { "files", "same", "--json" }, { "getnotifyflags", "same" }, { "handlers", "--json" }, { "info", "nosuch" },
				{ "setnotifyflags", "same", "BOGUS" }, { "setcredentials", "same", "SERVER", "BASIC", "user", "password" }, { "wait" }, { "nosuchcommand" } };
		Map<String, Result> oneShot = new LinkedHashMap<>();
		for (String[] c : commands) {
			oneShot.put(String.join(" ", c), bits(c));
		}
		serve();
		for (String[] c : commands) {
			Result attached = bits(c);
			assertEquals(oneShot.get(String.join(" ", c)), attached, String.join(" ", c));
		}
		assertServing();
	}

	@Test
	void theAttachedClientRunsWithoutAFramework() throws Exception {
		// what ./bits puts on the client's class path: the engine's jar (for its client class) and Jackson's parser only
		Path client = Path.of(System.getProperty("bits.wrapper")).toRealPath().getParent().resolve("cnf/target/client");
		try (var jars = Files.list(client)) {
			assertEquals(List.of("bits.engine.jar", "jackson-core.jar"), jars.map(j -> j.getFileName().toString()).sorted().toList());
		}
		try (var engineJar = new JarFile(client.resolve("bits.engine.jar").toFile())) {
			assertTrue(engineJar.stream().noneMatch(e -> e.getName().startsWith("org/osgi/framework/") || e.getName().startsWith("org/apache/felix/framework/")),
					"no framework in the engine's jar");
		}
		bits("create", "attached");
		serve();
		Result wrapper = bits("list", "--all", "--json");
		// the same client run by hand on exactly that class path: no framework class is there to start
		ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				client.resolve("bits.engine.jar") + ":" + client.resolve("jackson-core.jar"), "bits.engine.client.Attach", store().toString(), "command", "false")
				.redirectOutput(tmp.resolve("direct.txt").toFile()).redirectError(tmp.resolve("direct-err.txt").toFile());
		pb.environment().put("BITS_COMMAND", "bits:list '--all' '--json'");
		Process direct = pb.start();
		assertTrue(direct.waitFor(60, TimeUnit.SECONDS));
		assertEquals(0, direct.exitValue(), Files.readString(tmp.resolve("direct-err.txt")));
		assertEquals(wrapper.out(), Files.readString(tmp.resolve("direct.txt"), StandardCharsets.UTF_8));
		assertTrue(wrapper.out().contains("\"attached\""), wrapper.out());
		assertServing();
	}

	@Test
	void jobCommandsTransferAndWaitRunInTheServingEngine() throws Exception {
		byte[] data = new byte[400_000];
		new Random(8).nextBytes(data);
		Path out = Files.createDirectories(tmp.resolve("out"));
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/a.bin"), data);
			String api = serve();
			Result created = bits("create", "attached");
			assertEquals(0, created.status(), created.err());
			String id = created.out().strip();
			assertEquals(List.of(id), servedJobs(api).stream().map(j -> ((Map<?, ?>) j).get("id")).toList(), "created in the serving engine");
			assertEquals(0, bits("addfile", "attached", nginx.uri("/files/a.bin").toString(), out.resolve("a.bin").toString()).status());
			assertEquals(0, bits("resume", "attached").status());
			Result waited = bits("wait", "attached");
			assertEquals(new Result(0, "TRANSFERRED\n", waited.err()), waited);
			assertTrue(waited.err().startsWith("bits: "), waited.err()); // progress lines: stderr is no terminal
			List<Object> listed = new JSONParser(bits("list", "--all", "--json").out()).getParsedList();
			assertEquals("TRANSFERRED", ((Map<?, ?>) listed.get(0)).get("state"));
			assertTrue(bits("info", "attached").out().contains("TRANSFERRED"));
			Result completed = bits("complete", "attached");
			assertEquals(new Result(0, "COMPLETE\n", ""), completed);
			assertArrayEquals(data, Files.readAllBytes(out.resolve("a.bin")));

			Result transfer = bits("transfer", nginx.uri("/files/a.bin").toString(), out.resolve("t.bin").toString());
			assertEquals(0, transfer.status(), transfer.err());
			assertTrue(transfer.out().startsWith("transferred 1 file(s), 390.6 KiB in "), transfer.out());
			assertTrue(transfer.err().lines().anyMatch(l -> l.startsWith("bits: TRANSFERRED  390.6 KiB / 390.6 KiB")), transfer.err());
			assertArrayEquals(data, Files.readAllBytes(out.resolve("t.bin")));

			Result missing = bits("transfer", "--json", nginx.uri("/files/none.bin").toString(), out.resolve("none.bin").toString());
			assertEquals(1, missing.status());
			assertEquals("ERROR", new JSONParser(missing.out()).getParsed().get("result"));
			assertTrue(missing.err().matches("bits: 'transfer none.bin' is ERROR: .*404.*; the job was cancelled\n"), missing.err());
			assertServing();
		}
	}

	@Test
	void aPasswordGoesAsTheCommandsInputNeverAsAnArgument() throws Exception {
		serve();
		assertEquals(0, bits("create", "secret").status());
		Result set = run(command("setcredentials", "secret", "SERVER", "BASIC", "user"), "s3cret\n");
		assertEquals(new Result(0, "", ""), set);
		assertTrue(bits("info", "secret", "--verbose").out().contains("credentials: server set"));
		Result empty = run(command("setcredentials", "secret", "PROXY", "BASIC", "user"), "");
		assertEquals(1, empty.status());
		assertServing();
	}

	@Test
	void aPipedShellRunsItsCommandsInTheServingEngine() throws Exception {
		String api = serve();
		Result r = run(command("shell"), "bits:create piped\nbits:list --json\nbits:info nosuch\n");
		assertEquals(0, r.status(), r.err());
		assertTrue(r.out().contains("\"displayName\":\"piped\""), r.out());
		assertTrue(r.out().contains("gogo: TransferException: no job with id, id prefix or display name 'nosuch'"), r.out());
		assertEquals("piped", ((Map<?, ?>) servedJobs(api).get(0)).get("displayName"));
		assertServing();
	}

	@Test
	void aSecondServeIsRefusedNamingTheProcessAndTheApi() throws Exception {
		String api = serve();
		Result second = bits("serve");
		assertEquals(1, second.status());
		assertEquals("bits: store " + store().toRealPath() + " is already served by process " + serve.pid() + ", API at " + api, second.err().strip());
		assertServing();
	}

	@Test
	void afterKillNineTheNextCommandWaitsForTheStoreLock() throws Exception {
		for (int i = 0; i < 3; i++) {
			serve();
			serve.destroyForcibly(); // SIGKILL, and at once a command: the kernel may not have let the lock go yet
			Result r = bits("list", "--all");
			assertEquals(0, r.status(), "round " + i + ": " + r.err());
			assertEquals("", r.err());
			assertTrue(serve.waitFor(10, TimeUnit.SECONDS));
		}
	}
}
