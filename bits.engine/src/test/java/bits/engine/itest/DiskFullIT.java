package bits.engine.itest;

import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobState;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Disk full (SPEC J5): the destination is a 1 MiB tmpfs mounted by the test (needs root, as in CI); the job goes to
 * ERROR with LOCAL_FILE, and completes after {@code resume()} once the tmpfs is grown to 8 MiB.
 */
class DiskFullIT {
	@TempDir
	Path tmp;

	@Test
	void diskFullIsALocalErrorAndResumeCompletesOnceThereIsSpace() throws Exception {
		assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root (CI runs as root)");
		byte[] data = randomBytes(3 << 20, 7);
		Path mount = Files.createDirectories(tmp.resolve("small"));
		Nginx.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()));
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/data.bin"), data);
			TransferManager manager = Engine.configured();
			TransferJob job = manager.createJob("disk full");
			Path dest = mount.resolve("data.bin");
			job.addFile(nginx.uri("/files/data.bin"), dest);
			job.resume();
			awaitState(job, JobState.ERROR);
			JobError e = job.getError().orElseThrow();
			assertEquals(ErrorContext.LOCAL_FILE, e.context(), e::toString);
			assertEquals(ErrorCodes.E_DISK_FULL, e.code(), e::toString);

			Nginx.run(List.of("mount", "-o", "remount,size=8m", mount.toString()));
			job.resume();
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			assertEquals(sha256(data), sha256(dest));
		} finally {
			Nginx.run(List.of("umount", "-l", mount.toString()));
		}
	}
}
