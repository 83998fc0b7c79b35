package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tus 1.0 against independent peers from npm (SPEC U5), installed by {@code cnf/test.sh} in {@code src/test/tus}:
 * {@code tus-js-client} uploads to the engine's endpoint, and the engine's upload job uploads to {@code @tus/server} with
 * {@code @tus/file-store}; each interrupted and resumed, the result byte-identical.
 */
class TusPeersTest {
	private static final Path PEERS = Path.of(System.getProperty("bits.tus.peers", "src/test/tus"));

	@TempDir
	Path tmp;

	@Test
	void tusJsClientUploadsToTheEndpointStoppedAndResumed() throws Exception {
		needsPeers();
		byte[] data = new byte[6 << 20];
		new Random(21).nextBytes(data);
		Path source = Files.write(tmp.resolve("from-js.bin"), data);
		Path received = Files.createDirectories(tmp.resolve("received"));
		try (EngineProcess.UploadEndpoint receiver = EngineProcess.UploadEndpoint.start(tmp.resolve("server"), received, tmp.resolve("server.log"))) {
			String endpoint = receiver.url("");
			String token = receiver.token();

			String stopped = node("tus-upload.mjs", source.toString(), endpoint, token, Integer.toString(2 << 20));
			assertTrue(stopped.startsWith("stopped http"), stopped);
			String url = stopped.substring("stopped ".length()).trim();
			assertTrue(Files.notExists(received.resolve("from-js.bin")), "not whole yet");
			String done = node("tus-upload.mjs", source.toString(), endpoint, token, "", url);
			assertEquals("done " + url, done.trim(), "resumed in the same upload");
			assertEquals(sha256(data), sha256(Files.readAllBytes(received.resolve("from-js.bin"))));
		}
	}

	@Test
	void anUploadJobUploadsToTusServerKilledAndResumed() throws Exception {
		needsPeers();
		byte[] data = new byte[48 << 20];
		new Random(22).nextBytes(data);
		Path sources = Files.createDirectories(tmp.resolve("sources"));
		Path source = Files.write(sources.resolve("to-tus.bin"), data);
		Path store = Files.createDirectories(tmp.resolve("tus-store"));
		Process tusServer = new ProcessBuilder("node", "tus-server.mjs", store.toString()).directory(PEERS.toFile()).redirectErrorStream(true).start();
		try {
			String line = new BufferedReader(new InputStreamReader(tusServer.getInputStream(), StandardCharsets.UTF_8)).readLine();
			assertTrue(line != null && line.startsWith("listening "), "the tus server: " + line);
			String url = "http://127.0.0.1:" + line.substring("listening ".length()).trim() + "/files/";
			Path client = tmp.resolve("client");
			Path clientConfig = Files.createDirectories(client.resolve("config"));
			Files.writeString(clientConfig.resolve("bits.engine.cfg"), "file.roots=" + sources + "\nbackground.bandwidth=8388608\n");
			EngineProcess first = new EngineProcess(client, clientConfig, client.resolve("framework"), tmp.resolve("first.log"));
			first.send("bits:create --type upload t", "bits:addfile t " + url + " " + source, "bits:setuploadprotocol t TUS", "bits:resume t");
			long killAt = (16L << 20) + new Random().nextInt(8 << 20);
			first.await(() -> stored(store) >= killAt, () -> "no upload: " + first.log());
			first.kill();
			String log = BitsWrapper.run(client, tmp.resolve("wait.log"), "wait", "t");
			log += BitsWrapper.run(client, tmp.resolve("complete.log"), "complete", "t");
			List<Path> files = uploads(store);
			assertEquals(1, files.size(), "one upload, resumed, not a second one: " + files + " " + log);
			assertEquals(sha256(data), sha256(Files.readAllBytes(files.get(0))));
		} finally {
			tusServer.destroy();
			tusServer.waitFor(10, TimeUnit.SECONDS);
		}
	}

	private void needsPeers() {
		boolean node = List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, "node")));
		boolean installed = Files.isDirectory(PEERS.resolve("node_modules/@tus/server")) && Files.isDirectory(PEERS.resolve("node_modules/tus-js-client"));
		if (!node || !installed) {
			String what = !node ? "no node on the PATH" : "no tus peers in " + PEERS + "/node_modules (npm ci there)";
			if ("true".equals(System.getenv("CI"))) {
				fail("the tus peers test cannot run in CI: " + what);
			}
			Assumptions.abort("the tus peers test is skipped: " + what);
		}
	}

	/** Runs a peer script; @return its output, once it ended with status 0 */
	private String node(String script, String... args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of("node", script));
		cmd.addAll(List.of(args));
		Path out = tmp.resolve(script + ".log");
		Process p = new ProcessBuilder(cmd).directory(PEERS.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), script + " did not end");
		String output = Files.readString(out);
		assertEquals(0, p.exitValue(), script + ": " + output);
		return output;
	}

	/** @return the uploads' data files in a FileStore directory (each beside its .json) */
	private static List<Path> uploads(Path store) throws Exception {
		try (Stream<Path> s = Files.list(store)) {
			return s.filter(p -> !p.getFileName().toString().endsWith(".json")).toList();
		}
	}

	private static long stored(Path store) {
		try {
			long n = 0;
			for (Path p : uploads(store)) {
				n += Files.size(p);
			}
			return n;
		} catch (Exception e) {
			return 0;
		}
	}

	private static String sha256(byte[] data) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
	}
}
