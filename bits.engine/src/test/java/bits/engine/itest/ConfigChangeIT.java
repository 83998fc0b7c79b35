package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;

import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * A configuration change is taken in place (issue 15): while a job transfers, a change of {@code background.concurrency}
 * and the time slice restarts neither the job table nor the manager service, so the job's {@code TransferJob} handle
 * stays valid and its transfer goes on, in the same request, to the end.
 */
class ConfigChangeIT extends WithNginx {
	@AfterEach
	void restore() throws Exception {
		Engine.configured();
	}

	@Test
	void aConfigurationChangeWhileAJobTransfersKeepsItsHandleAndTheTransferGoesOn() throws Exception {
		byte[] data = randomBytes(3 << 20, 15); // about 12 s at nginx's 256 KiB/s
		Files.write(nginx.root.resolve("files/c.bin"), data);
		BundleContext context = FrameworkUtil.getBundle(ConfigChangeIT.class).getBundleContext();
		ServiceReference<TransferManager> before = context.getServiceReference(TransferManager.class);
		TransferJob job = manager.createJob("config change");
		job.setPriority(JobPriority.HIGH);
		Path dest = dest("c.bin");
		job.addFile(nginx.uri("/slow/c.bin"), dest);
		job.resume();
		await("the job on the wire", () -> job.getState() == JobState.TRANSFERRING && job.getProgress().bytesTransferred() > 0);

		TransferManager after = Engine.configured(Map.of("background.concurrency", 2, "time.slice.ms", 60_000L));
		assertEquals(before, context.getServiceReference(TransferManager.class), "the manager service was not registered again");
		long bytes = job.getProgress().bytesTransferred(); // the handle is valid
		await("the transfer goes on", () -> job.getProgress().bytesTransferred() > bytes);
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertArrayEquals(data, Files.readAllBytes(dest));
		assertSame(manager, after, "the same manager service object");
		await("nginx logged the request", () -> requests("/slow/c.bin") >= 1);
		assertEquals(1, requests("/slow/c.bin"), "one request: the transfer was never stopped and resumed");
	}

	private static int requests(String path) {
		try {
			return nginx.requests(path).size();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
