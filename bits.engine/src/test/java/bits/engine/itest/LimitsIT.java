package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.ErrorCodes;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Quotas, inactivity, and bad input leaving the store unchanged across an engine restart (SPEC §5, J7). */
class LimitsIT {
	@TempDir
	Path tmp;

	@AfterEach
	void cancelLeftovers() throws Exception {
		Engine.configured().listJobs().forEach(TransferJob::cancel);
	}

	@Test
	void jobsPerOwnerAreLimited() throws Exception {
		TransferManager manager = Engine.configured(Map.of("max.jobs.per.owner", 5));
		List<TransferJob> jobs = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			jobs.add(manager.createJob("q" + i));
		}
		TransferException e = assertThrows(TransferException.class, () -> manager.createJob("one too many"));
		assertEquals(ErrorCodes.BG_E_TOO_MANY_JOBS_PER_USER, e.getCode());
		assertEquals(5, manager.listJobs().size());
	}

	@Test
	void inactiveJobsAreCancelledAtStart() throws Exception {
		TransferManager manager = Engine.configured();
		UUID id = manager.createJob("idle").getId();
		Engine.configured(Map.of("job.inactivity.days", 0)); // every job is older than 0 days
		TransferManager m = Engine.restart(); // a configuration change is taken in place: the check runs at start
		assertEquals(ErrorCodes.BG_E_NOT_FOUND, assertThrows(TransferException.class, () -> m.getJob(id)).getCode());
	}

	@Test
	void refusedCallsChangeNothingInTheStore() throws Exception {
		TransferManager manager = Engine.configured();
		TransferJob live = manager.createJob("live");
		live.addFile(URI.create("http://127.0.0.1:9/x"), tmp.resolve("x.bin"));
		TransferJob done = manager.createJob("done");
		done.cancel();
		for (Runnable call : List.<Runnable>of(() -> live.setDisplayName("n".repeat(300)), () -> live.setDescription("d".repeat(2000)),
				() -> live.addFile(URI.create("http://127.0.0.1:9/y"), tmp.resolve("x.bin")),
				() -> live.addFile(URI.create("ftp://127.0.0.1/y"), tmp.resolve("y.bin")),
				() -> live.addFile(URI.create("http://127.0.0.1:9/z"), Path.of("../z.bin")))) {
			assertThrows(TransferException.class, call::run);
		}
		for (Runnable call : List.<Runnable>of(done::resume, done::suspend, done::cancel, done::complete,
				() -> done.setDescription("late"), () -> done.setPriority(bits.api.JobPriority.HIGH),
				() -> done.addFile(URI.create("http://127.0.0.1:9/w"), tmp.resolve("w.bin")))) {
			assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, call::run).getCode());
		}
		TransferManager again = Engine.restart();
		TransferJob reloaded = again.getJob(live.getId());
		assertEquals("live", reloaded.getDisplayName());
		assertEquals("", reloaded.getDescription());
		assertEquals(1, reloaded.getFiles().size());
		assertEquals(JobState.SUSPENDED, reloaded.getState());
		assertEquals(ErrorCodes.BG_E_NOT_FOUND, assertThrows(TransferException.class, () -> again.getJob(done.getId())).getCode());
	}
}
