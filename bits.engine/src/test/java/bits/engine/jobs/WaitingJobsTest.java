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

/**
 * The scheduler's view of the waiting jobs (SPEC J3): the queued ones and those to retry apart, kept by the slots as
 * they change, each in the table's order.
 */
class WaitingJobsTest {
	private static JobRecord job(JobState state) {
		return JobRecord.created(UUID.randomUUID(), "owner", JobType.DOWNLOAD,
				JobSettings.defaults("n", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT), Instant.now())
				.with(b -> b.state(state));
	}

	@Test
	void theQueuedAndRetryingJobsApartInTheOrderTheyCameIntoTheTable() {
		WaitingJobs waiting = new WaitingJobs();
		JobSlot a = new JobSlot(job(JobState.QUEUED), waiting, new JobIndex());
		JobSlot b = new JobSlot(job(JobState.SUSPENDED), waiting, new JobIndex());
		JobSlot c = new JobSlot(job(JobState.TRANSIENT_ERROR), waiting, new JobIndex());
		JobSlot d = new JobSlot(job(JobState.QUEUED), waiting, new JobIndex());
		assertEquals(List.of(a.record(), d.record()), waiting.queued());
		assertEquals(List.of(c.record()), waiting.retrying());

		b.set(b.record().with(x -> x.state(JobState.QUEUED))); // resumed: in its place, not at the end
		a.set(a.record().with(x -> x.state(JobState.CONNECTING)));
		assertEquals(List.of(b.record(), d.record()), waiting.queued());

		a.set(a.record().with(x -> x.state(JobState.QUEUED))); // yielded
		c.set(c.record().with(x -> x.state(JobState.QUEUED))); // its retry came due: queued, in its place, no longer retrying
		d.set(d.record().with(x -> x.state(JobState.TRANSIENT_ERROR))); // failed: to retry, not queued
		assertEquals(List.of(a.record(), b.record(), c.record()), waiting.queued());
		assertEquals(List.of(d.record()), waiting.retrying());

		b.set(b.record().with(x -> x.state(JobState.TRANSIENT_ERROR))); // a second retry: both in the table's order
		assertEquals(List.of(b.record(), d.record()), waiting.retrying());
		waiting.forget(d); // left the table while retrying
		assertEquals(List.of(b.record()), waiting.retrying());
		b.set(b.record().with(x -> x.state(JobState.QUEUED)));

		c.set(c.record().with(x -> x.state(JobState.CANCELLED)));
		d.set(d.record().with(x -> x.state(JobState.ERROR)));
		assertEquals(List.of(a.record(), b.record()), waiting.queued());
		assertEquals(List.of(), waiting.retrying());

		waiting.forget(b);
		assertEquals(List.of(a.record()), waiting.queued());
		new JobSlot(job(JobState.QUEUED)); // outside the table: a final job's slot
		assertEquals(List.of(a.record()), waiting.queued());
	}
}
