package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * SPEC N7 and J7 end to end: the engine JVM is killed with SIGKILL after TRANSFERRED and its JOB_TRANSFERRED
 * notification are stored but before any callback took it; after a restart the callback registered at start-up
 * ({@code bits:watch}) receives that very notification once, and it leaves the outbox.
 */
class OutboxKillNineTest {
	@TempDir
	Path tmp;

	@Test
	void aStoredNotificationSurvivesKillNineAndReachesTheCallbackRegisteredAtStartUp() throws Exception {
		byte[] data = new byte[1 << 20];
		new Random(7).nextBytes(data);
		Path store = tmp.resolve("store");
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("o.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/o.bin"), data);
			Process first = engine(store, "bits:create outbox; bits:addfile outbox " + nginx.uri("/files/o.bin") + " " + dest
					+ "; bits:setpriority outbox FOREGROUND; bits:resume outbox", tmp.resolve("first.log"));
			// job TRANSFERRED (state 6) with its JOB_TRANSFERRED notice (kind 0) committed, nobody registered to take it
			String stored = "SELECT o.id FROM outbox o JOIN job j ON o.job = j.id WHERE o.kind = 'JOB_TRANSFERRED' AND j.state = 'TRANSFERRED'";
			await(() -> StoreQueries.queryLong(store, stored) > 0, first, tmp.resolve("first.log"));
			long notice = StoreQueries.queryLong(store, stored);
			first.destroyForcibly(); // SIGKILL
			first.waitFor(30, TimeUnit.SECONDS);
			assertEquals(notice, StoreQueries.queryLong(store, stored), "the notification is still stored after kill -9");

			Path log = tmp.resolve("second.log");
			Process second = engine(store, "bits:watch outbox", log);
			try {
				await(() -> read(log).contains("JOB_TRANSFERRED"), second, log);
				await(() -> StoreQueries.queryLong(store, "SELECT count(*) FROM outbox WHERE id = " + notice) == 0, second, log);
				Thread.sleep(1000);
				assertEquals(1, read(log).lines().filter(l -> l.contains("JOB_TRANSFERRED")).count(), read(log));
			} finally {
				second.destroy();
				second.waitFor(30, TimeUnit.SECONDS);
			}
			assertFalse(Files.exists(dest), "not completed: only notified");
		}
	}

	private static Process engine(Path store, String commands, Path log) throws IOException {
		String java = ProcessHandle.current().info().command().orElse("java");
		return new ProcessBuilder(List.of(java, "-Dbits.store.directory=" + store, "-Dfelix.fileinstall.dir=" + store.resolveSibling("config"), "-Dlaunch.storage.dir=" + store.resolveSibling("framework"),
				"-Dgosh.args=--nointeractive -c \"" + commands + "\"", "-jar", System.getProperty("bits.jar")))
				.redirectErrorStream(true).redirectOutput(log.toFile()).start();
	}

	private static String read(Path log) {
		try {
			return Files.exists(log) ? Files.readString(log) : "";
		} catch (IOException e) {
			return "";
		}
	}

	private static void await(BooleanSupplier condition, Process engine, Path log) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (!condition.getAsBoolean()) {
			assertTrue(engine.isAlive(), "the engine ended: " + read(log));
			assertTrue(System.nanoTime() < deadline, "timed out: " + read(log));
			Thread.sleep(50);
		}
	}
}
