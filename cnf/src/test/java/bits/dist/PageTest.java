package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.felix.utils.json.JSONParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * The engine's web page in a real browser (issue 12): Debian's headless Chromium, driven by playwright-core from
 * {@code src/test/page/page-test.mjs}, against {@code ./bits serve}. In CI (CI=true) a missing browser, Node.js or
 * playwright-core (cnf/test.sh installs them) fails the test; elsewhere it is skipped, saying what is missing.
 */
class PageTest {
	private static final int SIZE = 2_000_000; // about 8 s at the /slow/ location's 256 KiB/s: progress to be seen
	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@TempDir
	Path tmp;

	@Test
	void thePageShowsAJobProgressLiveAndCompletesIt() throws Exception {
		Path script = Path.of(System.getProperty("bits.page.test", "src/test/page")).resolve("page-test.mjs");
		Path chromium = Path.of(System.getProperty("bits.chromium", "/usr/bin/chromium"));
		needs(Files.isExecutable(chromium), "no Chromium at " + chromium + " (apt-get install chromium)");
		needs(onPath("node"), "no node on the PATH (apt-get install nodejs npm)");
		needs(Files.isDirectory(script.resolveSibling("node_modules/playwright-core")),
				"no playwright-core in " + script.getParent() + "/node_modules (npm ci there)");

		byte[] data = new byte[SIZE];
		new Random(12).nextBytes(data);
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("page.bin");
		Path store = tmp.resolve("store");
		Path shots = Files.createDirectories(Path.of(System.getProperty("bits.page.shots", tmp.resolve("shots").toString())));
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/page.bin"), data);
			ProcessBuilder pb = new ProcessBuilder("sh", System.getProperty("bits.wrapper"), "--store", store.toString(), "serve")
					.redirectErrorStream(true).redirectOutput(tmp.resolve("serve.txt").toFile());
			pb.environment().put("BITS_NO_BUILD", "1");
			Process serve = pb.start();
			try {
				URI api = address(serve, store);
				String token = Files.readAllLines(store.resolve("api-tokens")).stream().map(l -> l.trim().split("\\s+"))
						.filter(l -> l.length == 2 && l[1].equals("*")).map(l -> l[0]).findFirst().orElseThrow();
				String job = create(api, token, """
						{"displayName": "page-test", "files": [{"remote": "%s", "local": "%s"}]}
						""".formatted(nginx.uri("/slow/page.bin"), dest));
				String empty = create(api, token, "{\"displayName\": \"nothing to do\"}");

				ProcessBuilder node = new ProcessBuilder("node", script.getFileName().toString()).directory(script.getParent().toFile())
						.redirectErrorStream(true).redirectOutput(tmp.resolve("page-test.txt").toFile());
				Map<String, String> env = node.environment();
				env.put("BITS_PAGE", api.resolve("/bits/").toString());
				env.put("BITS_TOKEN", token);
				env.put("BITS_JOB", job);
				env.put("BITS_TOTAL", Integer.toString(SIZE));
				env.put("BITS_EMPTY", empty);
				env.put("BITS_SHOTS", shots.toString());
				env.put("CHROMIUM", chromium.toString());
				Process browser = node.start();
				boolean ended = browser.waitFor(5, TimeUnit.MINUTES);
				if (!ended) {
					browser.descendants().forEach(ProcessHandle::destroyForcibly);
					browser.destroyForcibly();
				}
				String out = Files.readString(tmp.resolve("page-test.txt"));
				System.out.println(out);
				assertTrue(ended, "the browser test did not end: " + out);
				assertEquals(0, browser.exitValue(), () -> out + "\nengine: " + read(tmp.resolve("serve.txt")));
				assertTrue(out.contains("completed from the page"), out);
			} finally {
				serve.destroy(); // SIGTERM: the JVM's shutdown hook stops the framework
				assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
			}
		}
		// completed in the browser: the engine renamed the whole file into place
		assertArrayEquals(data, Files.readAllBytes(dest));
	}

	/** In CI the browser test must run: what it needs missing is a failure there, a reason to skip elsewhere. */
	private static void needs(boolean condition, String what) {
		if (!condition) {
			if ("true".equals(System.getenv("CI"))) {
				fail("the browser test cannot run in CI: " + what);
			}
			Assumptions.abort("the browser test is skipped: " + what);
		}
	}

	private static boolean onPath(String command) {
		return List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
	}

	/** Waits for the engine to write the API's address (it does once the servlet is served). */
	private static URI address(Process serve, Path store) throws Exception {
		Path file = store.resolve("api-address");
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (!Files.exists(file) || Files.readString(file).isBlank()) {
			assertTrue(serve.isAlive() && System.nanoTime() < deadline, "no API address from ./bits serve");
			serve.waitFor(50, TimeUnit.MILLISECONDS);
		}
		return URI.create(Files.readString(file).strip() + "/");
	}

	/** @return the new job's id */
	private static String create(URI api, String token, String json) throws IOException, InterruptedException {
		HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api.resolve("jobs")).header("Authorization", "Bearer " + token)
				.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
				HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
		assertEquals(201, r.statusCode(), r.body());
		return (String) new JSONParser(r.body()).getParsed().get("id");
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		} catch (IOException e) {
			return e.toString();
		}
	}
}
