package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The distribution jar as a separate JVM on one store, its Gogo shell reading commands from a pipe. */
final class EngineProcess implements AutoCloseable {
	private final Process process;
	private final Path log;
	private final OutputStream in;

	/**
	 * @param store the store directory
	 * @param config the FileInstall directory (bits.engine.cfg ...)
	 * @param framework the framework cache, kept across restarts
	 * @param log where the engine's output goes
	 */
	EngineProcess(Path store, Path config, Path framework, Path log) throws IOException {
		this.log = log;
		String java = ProcessHandle.current().info().command().orElse("java");
		process = new ProcessBuilder(List.of(java, "-Dbits.store.directory=" + store, "-Dfelix.fileinstall.dir=" + config,
				"-Dlaunch.storage.dir=" + framework, "-jar", System.getProperty("bits.jar"))).redirectErrorStream(true)
				.redirectOutput(log.toFile()).start();
		in = process.getOutputStream();
	}

	/**
	 * An engine serving one upload endpoint, {@code /in}, into {@code received}, started and waited for.
	 *
	 * @param engine the engine, closed with the endpoint
	 * @param base the service's base URL ({@code http://127.0.0.1:PORT})
	 * @param token the API token of its owner {@code *}, which the endpoint takes as credentials
	 */
	record UploadEndpoint(EngineProcess engine, String base, String token) implements AutoCloseable {
		static UploadEndpoint start(Path server, Path received, Path log) throws Exception {
			return start(server, received, log, 0);
		}

		/** @param port the service's port, to start it again at the same URLs; 0 for any */
		static UploadEndpoint start(Path server, Path received, Path log, int port) throws Exception {
			Path config = Files.createDirectories(server.resolve("config"));
			if (port > 0) {
				Files.writeString(config.resolve("org.apache.felix.http.cfg"), "org.osgi.service.http.port=" + port + "\n");
			}
			Files.writeString(config.resolve("bits.upload-in.cfg"), "name=in\npath=/in\ndirectory=" + received + "\n");
			EngineProcess engine = new EngineProcess(server, config, server.resolve("framework"), log);
			try {
				// with a port configured, the service may first come up on another, and move
				engine.await(() -> Files.exists(server.resolve("api-address")) && Files.isDirectory(received.resolve(".bits-sessions"))
						&& (port == 0 || read(server.resolve("api-address")).contains("127.0.0.1:" + port + "/")));
				String api = Files.readString(server.resolve("api-address")).trim();
				String token = Files.readAllLines(server.resolve("api-tokens")).stream().filter(l -> l.endsWith(" *")).findFirst().orElseThrow().split(" ")[0];
				return new UploadEndpoint(engine, api.substring(0, api.indexOf("/bits/api")), token);
			} catch (Exception | AssertionError e) {
				engine.kill(); // no engine left behind by a test that failed here
				throw e;
			}
		}

		/** @return the URL of {@code name} at the endpoint */
		String url(String name) {
			return base + "/in/" + name;
		}

		@Override
		public void close() throws Exception {
			engine.close();
		}
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		} catch (IOException e) {
			return "";
		}
	}

	void send(String... commands) throws IOException {
		for (String c : commands) {
			in.write((c + "\n").getBytes(StandardCharsets.UTF_8));
		}
		in.flush();
	}

	String log() {
		try {
			return Files.readString(log);
		} catch (IOException e) {
			return "";
		}
	}

	void await(BooleanSupplier condition) throws InterruptedException {
		await(condition, () -> "timed out: " + log());
	}

	void await(BooleanSupplier condition, java.util.function.Supplier<String> what) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (!condition.getAsBoolean()) {
			assertTrue(process.isAlive(), () -> "the engine ended: " + log());
			assertTrue(System.nanoTime() < deadline, what);
			Thread.sleep(20);
		}
	}

	long pid() {
		return process.pid();
	}

	boolean isAlive() {
		return process.isAlive();
	}

	void kill() throws InterruptedException {
		process.destroyForcibly(); // SIGKILL
		assertTrue(process.waitFor(30, TimeUnit.SECONDS));
	}

	@Override
	public void close() throws Exception {
		in.close(); // end of input: Gogo stops the framework
		assertTrue(process.waitFor(60, TimeUnit.SECONDS), log());
		assertEquals(117, process.exitValue(), log()); // the bnd launcher's code for a normal framework stop
	}
}
