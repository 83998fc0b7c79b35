package bits.engine.jobs;

import bits.engine.model.JobRecord;

/**
 * One job inside the table: its current record, which only the table replaces, under its lock. Handles hold the slot,
 * so a handle reads the job's latest record without a lock, and still reads its final one after the job left the table.
 */
final class JobSlot {
	private volatile JobRecord record;

	JobSlot(JobRecord record) {
		this.record = record;
	}

	JobRecord record() {
		return record;
	}

	/** Called by the table only, under its lock. */
	void set(JobRecord r) {
		record = r;
	}
}
