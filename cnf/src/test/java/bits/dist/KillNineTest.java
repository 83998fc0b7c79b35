package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * SPEC J7 end to end: the distribution jar runs as a separate JVM, is killed with SIGKILL mid-transfer, and
 * {@code ./bits wait} on the same store finishes the job, {@code ./bits complete} completes it. The file is byte-identical, no temporary file is left, and at most
 * one checkpoint of data (8 MiB) was downloaded twice.
 */
class KillNineTest {
	private static final int SIZE = 96 << 20;
	private static final long CHECKPOINT = 8L << 20;

	@TempDir
	Path tmp;

	@Test
	void aKilledEngineResumesFromItsLastCheckpoint() throws Exception {
		byte[] data = new byte[SIZE];
		new Random(42).nextBytes(data);
		Path store = tmp.resolve("store");
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path dest = out.resolve("big.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/big.bin"), data);
			String url = nginx.uri("/limited/big.bin").toString(); // 16 MB/s: about 6 s to download

			Process first = engine(store, "bits:create kill; bits:addfile kill " + url + " " + dest
					+ "; bits:setpriority kill FOREGROUND; bits:resume kill", tmp.resolve("first.log"));
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			long killAt = (36L << 20) + new Random().nextInt(8 << 20); // a random moment between two checkpoints
			while (temporarySize(out) < killAt) {
				assertTrue(first.isAlive(), "the engine ended early: " + Files.readString(tmp.resolve("first.log")));
				assertTrue(System.nanoTime() < deadline, "no progress: " + Files.readString(tmp.resolve("first.log")));
				Thread.sleep(20);
			}
			first.destroyForcibly(); // SIGKILL
			first.waitFor(30, TimeUnit.SECONDS);
			assertFalse(first.isAlive());
			assertFalse(Files.exists(dest), "no destination before complete()");

			// issue 6: the command line finishes a job a crash left behind
			String log = BitsWrapper.run(store, tmp.resolve("wait.log"), "wait", "kill");
			log += BitsWrapper.run(store, tmp.resolve("complete.log"), "complete", "kill");

			assertTrue(Files.exists(dest), "completed: " + log);
			assertEquals(sha256(data), sha256(Files.readAllBytes(dest)));
			assertEquals(0, temporarySize(out), "no temporary file left");
			long served = 0;
			for (String line : nginx.requests("/limited/big.bin")) {
				String[] f = line.split(" ");
				served += Long.parseLong(f[f.length - 1]);
			}
			long twice = served - SIZE;
			System.out.println("P7: bytes downloaded twice after kill -9: " + twice + " (" + (twice >> 20) + " MiB); requests: "
					+ nginx.requests("/limited/big.bin"));
			// one checkpoint, plus what sat in socket buffers when the process died
			assertTrue(twice <= CHECKPOINT + (4 << 20), "downloaded twice: " + twice);
		}
	}

	private Process engine(Path store, String commands, Path log) throws IOException {
		String java = ProcessHandle.current().info().command().orElse("java");
		List<String> cmd = new ArrayList<>(List.of(java, "-Dbits.store.directory=" + store, "-Dfelix.fileinstall.dir=" + store.resolveSibling("config"), "-Dlaunch.storage.dir=" + store.resolveSibling("framework"),
				"-Dgosh.args=--nointeractive -c \"" + commands + "\"", "-jar", System.getProperty("bits.jar")));
		return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	private static long temporarySize(Path dir) throws IOException {
		try (Stream<Path> files = Files.list(dir)) {
			return files.filter(p -> p.getFileName().toString().endsWith(".bits-tmp")).mapToLong(p -> p.toFile().length()).sum();
		}
	}

	private static String sha256(byte[] data) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
	}
}
