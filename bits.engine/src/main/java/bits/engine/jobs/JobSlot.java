package bits.engine.jobs;

import bits.engine.model.JobRecord;

/**
 * One job inside the table: its current record, which only the table replaces, under its lock. Handles hold the slot,
 * so a handle reads the job's latest record without a lock, and still reads its final one after the job left the table.
 */
final class JobSlot {
	private volatile JobRecord record;
	/** The table's waiting jobs, which this slot keeps current; {@code null} for a final job's slot. */
	private final WaitingJobs waiting;
	/** The table's index of owners and destinations; {@code null} for a final job's slot. */
	private final JobIndex index;
	private final long place;

	/** A slot outside the table: a final job. */
	JobSlot(JobRecord record) {
		this.record = record;
		this.waiting = null;
		this.index = null;
		this.place = -1;
	}

	/**
	 * A slot of the table, made under its lock; the table tells {@code index} when the slot enters it and leaves it, the
	 * slot when its files change.
	 */
	JobSlot(JobRecord record, WaitingJobs waiting, JobIndex index) {
		this.record = record;
		this.waiting = waiting;
		this.index = index;
		this.place = waiting.place();
		waiting.track(this);
	}

	JobRecord record() {
		return record;
	}

	/** @return its place in the table's order */
	long place() {
		return place;
	}

	/** Called by the table only, under its lock. */
	void set(JobRecord r) {
		if (index != null) {
			index.changed(record, r);
		}
		record = r;
		if (waiting != null) {
			waiting.track(this);
		}
	}
}
