package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * A store that cannot record a transfer's outcome (README "Security and reliability"): the store lives on a 2 MiB
 * tmpfs mounted by the test (needs root, as in CI), filled while a job transfers. Before the fix the job stayed
 * TRANSFERRING with nothing running it; now it becomes a transient error, is retried, and finishes once there is room.
 */
class StoreFullIT {
	@TempDir
	Path tmp;

	@Test
	void aJobIsNeverLeftTransferringWhenTheStoreFails() throws Exception {
		assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root (CI runs as root)");
		assumeTrue(!TestDatabases.active(), "the jobs are in PostgreSQL, not on the full file system");
		byte[] data = randomBytes(3 << 20, 9);
		Path mount = Files.createDirectories(tmp.resolve("store"));
		Nginx.run(List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()));
		Path filler = mount.resolve("filler");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/data.bin"), data);
			TransferManager manager = Engine.configured(Map.of("store.directory", mount.toString()));
			TransferJob job = manager.createJob("store full");
			job.setPriority(JobPriority.FOREGROUND);
			job.setMinimumRetryDelay(java.time.Duration.ZERO); // the floor: 5 s
			Path dest = Files.createDirectories(tmp.resolve("out")).resolve("data.bin");
			job.addFile(nginx.uri("/slow/data.bin"), dest); // 256 KiB/s: checkpoints every second
			job.resume();
			await("progress", () -> job.getProgress().bytesTransferred() > 300_000);
			fill(filler);
			await(() -> "the job out of TRANSFERRING, is " + job.getState(), () -> job.getState() == JobState.TRANSIENT_ERROR);
			Files.delete(filler);
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			assertEquals(sha256(data), sha256(dest));
		} finally {
			Engine.configured(); // the default store again, before the tmpfs goes
			Nginx.run(List.of("umount", "-l", mount.toString()));
		}
	}

	/** Writes until the file system is full. */
	private static void fill(Path filler) {
		byte[] block = new byte[64 << 10];
		try (OutputStream out = Files.newOutputStream(filler)) {
			while (true) {
				out.write(block);
			}
		} catch (IOException e) {
			// No space left on device: full
		}
	}
}
