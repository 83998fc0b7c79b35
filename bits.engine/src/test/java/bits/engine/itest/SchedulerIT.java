package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;

/**
 * The scheduler, like BITS: FOREGROUND beside one background job, a higher priority preempting a lower one, equal
 * priorities taking turns in time slices (1 s in the tests). Files come from nginx at 256 KiB/s.
 */
class SchedulerIT extends WithNginx {
	private static final Set<JobState> ON_WIRE = EnumSet.of(JobState.CONNECTING, JobState.TRANSFERRING);


	@BeforeAll
	static void files() throws Exception {
		for (int i = 0; i < 4; i++) {
			Files.write(nginx.root.resolve("files/s" + i + ".bin"), randomBytes(4 << 20, i));
		}
	}

	private static TransferJob slow(String name, int file, JobPriority priority) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(priority);
		job.addFile(nginx.uri("/slow/s" + file + ".bin"), dest(name));
		job.resume();
		return job;
	}

	@Test
	void foregroundRunsBesideABackgroundJob() throws Exception {
		TransferJob background = slow("bg", 0, JobPriority.NORMAL);
		await("background on the wire", () -> ON_WIRE.contains(background.getState()));
		TransferJob foreground = slow("fg", 1, JobPriority.FOREGROUND);
		await("both on the wire", () -> ON_WIRE.contains(foreground.getState()) && ON_WIRE.contains(background.getState()));
	}

	@Test
	void aHigherPriorityPreemptsALowerOne() throws Exception {
		TransferJob low = slow("low", 0, JobPriority.LOW);
		await("low on the wire", () -> low.getState() == JobState.TRANSFERRING && low.getProgress().bytesTransferred() > 0);
		TransferJob high = slow("high", 1, JobPriority.HIGH);
		await("high on the wire, low back in the queue",
				() -> ON_WIRE.contains(high.getState()) && low.getState() == JobState.QUEUED);
		long lowBytes = low.getProgress().bytesTransferred();
		Thread.sleep(1000);
		assertTrue(low.getState() == JobState.QUEUED && low.getProgress().bytesTransferred() == lowBytes,
				"a preempted job waits while a higher priority runs");
		high.suspend();
		await("low back on the wire", () -> ON_WIRE.contains(low.getState()));
	}

	@Test
	void equalPrioritiesTakeTurnsOneAtATime() throws Exception {
		TransferJob a = slow("turn-a", 2, JobPriority.NORMAL);
		TransferJob b = slow("turn-b", 3, JobPriority.NORMAL);
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (!(a.getProgress().bytesTransferred() > 0 && b.getProgress().bytesTransferred() > 0)) {
			// one background transfer at a time, like BITS
			assertTrue(!(ON_WIRE.contains(a.getState()) && ON_WIRE.contains(b.getState()))
					|| a.getState() == JobState.CONNECTING || b.getState() == JobState.CONNECTING, "both background jobs on the wire");
			assertTrue(System.nanoTime() < deadline, "both jobs should get a turn");
			Thread.sleep(20);
		}
		assertNotEquals(JobState.TRANSFERRED, a.getState(), "b got its turn before a finished");
		assertNotEquals(JobState.TRANSFERRED, b.getState());
	}
}
