package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import bits.api.JobState;
import bits.engine.model.JobRecord;

/**
 * The jobs of the table that wait for a transfer (QUEUED, or TRANSIENT_ERROR until their retry time), in the table's
 * order, kept as their slots change: the scheduler plans after every change, and must not scan a table of many jobs
 * each time. Thread-safe: a slot is almost always changed under the table's lock, but not always (a final record).
 */
final class WaitingJobs {
	private final TreeMap<Long, JobSlot> waiting = new TreeMap<>();
	private long next;

	/** @return the place in the table's order of a slot put into the table now */
	synchronized long place() {
		return next++;
	}

	/** The slot's record changed, or the slot came into the table. */
	synchronized void track(JobSlot slot) {
		JobState state = slot.record().state();
		if (state == JobState.QUEUED || state == JobState.TRANSIENT_ERROR) {
			waiting.put(slot.place(), slot);
		} else {
			waiting.remove(slot.place());
		}
	}

	/** The slot left the table. */
	synchronized void forget(JobSlot slot) {
		waiting.remove(slot.place());
	}

	/** @return the waiting jobs' records, in the table's order */
	synchronized List<JobRecord> records() {
		List<JobRecord> result = new ArrayList<>(waiting.size());
		for (JobSlot s : waiting.values()) {
			result.add(s.record());
		}
		return result;
	}
}
