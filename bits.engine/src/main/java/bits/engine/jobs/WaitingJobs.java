package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import bits.api.JobState;
import bits.engine.model.JobRecord;

/**
 * The jobs of the table that wait for a transfer, QUEUED and TRANSIENT_ERROR (until their retry time) apart, each in the
 * table's order, kept as their slots change: the scheduler plans after every change, and must look neither at a table
 * of many jobs nor, for the few retries that come due, at a queue of thousands each time. Thread-safe: a slot is almost
 * always changed under the table's lock, but not always (a final record).
 */
final class WaitingJobs {
	private final TreeMap<Long, JobSlot> queued = new TreeMap<>();
	private final TreeMap<Long, JobSlot> retrying = new TreeMap<>();
	private long next;

	/** @return the place in the table's order of a slot put into the table now */
	synchronized long place() {
		return next++;
	}

	/** The slot's record changed, or the slot came into the table. */
	synchronized void track(JobSlot slot) {
		JobState state = slot.record().state();
		if (state == JobState.QUEUED) {
			queued.put(slot.place(), slot);
		} else {
			queued.remove(slot.place());
		}
		if (state == JobState.TRANSIENT_ERROR) {
			retrying.put(slot.place(), slot);
		} else {
			retrying.remove(slot.place());
		}
	}

	/** The slot left the table. */
	synchronized void forget(JobSlot slot) {
		queued.remove(slot.place());
		retrying.remove(slot.place());
	}

	/** @return the QUEUED jobs' records, in the table's order */
	synchronized List<JobRecord> queued() {
		return records(queued);
	}

	/** @return the records of the jobs in TRANSIENT_ERROR, in the table's order */
	synchronized List<JobRecord> retrying() {
		return records(retrying);
	}

	private static List<JobRecord> records(TreeMap<Long, JobSlot> slots) {
		List<JobRecord> result = new ArrayList<>(slots.size());
		for (JobSlot s : slots.values()) {
			result.add(s.record());
		}
		return result;
	}
}
