package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferJob;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/** The scheduler's view of the waiting jobs (SPEC J3): kept by the slots as they change, in the table's order. */
class WaitingJobsTest {
	private static JobRecord job(JobState state) {
		return JobRecord.created(UUID.randomUUID(), "owner", JobType.DOWNLOAD,
				JobSettings.defaults("n", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT), Instant.now())
				.with(b -> b.state(state));
	}

	@Test
	void theQueuedAndRetryingJobsInTheOrderTheyCameIntoTheTable() {
		WaitingJobs waiting = new WaitingJobs();
		JobSlot a = new JobSlot(job(JobState.QUEUED), waiting, new JobIndex());
		JobSlot b = new JobSlot(job(JobState.SUSPENDED), waiting, new JobIndex());
		JobSlot c = new JobSlot(job(JobState.TRANSIENT_ERROR), waiting, new JobIndex());
		assertEquals(List.of(a.record(), c.record()), waiting.records());

		b.set(b.record().with(x -> x.state(JobState.QUEUED))); // resumed: in its place, not at the end
		a.set(a.record().with(x -> x.state(JobState.CONNECTING)));
		assertEquals(List.of(b.record(), c.record()), waiting.records());

		a.set(a.record().with(x -> x.state(JobState.QUEUED))); // yielded
		c.set(c.record().with(x -> x.state(JobState.CANCELLED)));
		assertEquals(List.of(a.record(), b.record()), waiting.records());

		waiting.forget(b);
		assertEquals(List.of(a.record()), waiting.records());
		new JobSlot(job(JobState.QUEUED)); // outside the table: a final job's slot
		assertEquals(List.of(a.record()), waiting.records());
	}
}
