package bits.engine.jobs;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.Notice;
import bits.engine.store.JobStore;

/**
 * One change of one job, as a command computes it: a new record and the events it causes, decided on immutable
 * records before anything is written. The table then persists it in one transaction ({@link #persist}) and makes it
 * current, or, if the command or the store fails, drops it: there is nothing to undo.
 */
final class Change {
	/** A terminal event to record: in the journal always (the event stream's replay), in the outbox if wanted. */
	private record Event(Notice.Kind kind, int file, boolean journal) {
	}

	/** The job as the change was computed on. */
	private final JobRecord original;
	private JobRecord job;
	private boolean changed;
	/** Whether the job's own row changes, not only its files or its events. */
	private boolean row;
	private boolean modification;
	private boolean requeue;
	private final List<FileRecord> added = new ArrayList<>();
	private final Set<Integer> files = new LinkedHashSet<>();
	private final List<Event> events = new ArrayList<>();

	Change(JobRecord job) {
		this.original = job;
		this.job = job;
	}

	/** @return the job as changed so far */
	JobRecord job() {
		return job;
	}

	void set(Consumer<JobRecord.Builder> change) {
		job = job.with(change);
		changed = true;
		row = true;
	}

	/**
	 * Writes the job's row too, a new version of it though nothing else of it may change: engines sharing the store see
	 * the change of a job that no engine claims by its row.
	 */
	void writeRow() {
		row = true;
	}

	void settings(Consumer<JobSettings.Builder> change) {
		set(b -> b.settings(s -> s.with(change)));
	}

	void file(int index, UnaryOperator<FileRecord> change) {
		FileRecord f = change.apply(job.files().get(index));
		job = job.with(b -> b.file(f));
		changed = true;
		files.add(index);
	}

	void addFiles(List<FileRecord> more) {
		job = job.with(b -> b.addFiles(more));
		changed = true;
		added.addAll(more);
	}

	/** Records a terminal event (SPEC N1, N7; the journal for S3). */
	void record(Notice.Kind kind, int file) {
		events.add(new Event(kind, file, true));
		changed = true;
	}

	/** Puts a terminal notification in the outbox again, for a new callback: a repeat, not a new event (SPEC N7). */
	void repeat(Notice.Kind kind) {
		events.add(new Event(kind, -1, false));
		changed = true;
	}

	boolean changed() {
		return changed;
	}

	/** The job goes to the back of the queue among its priority (a time slice ended), in a queue engines share. */
	void requeue() {
		requeue = true;
	}

	/** Makes the change count as a modification (its time, a notification), whatever the caller of the table said. */
	void modification() {
		modification = true;
	}

	boolean isModification() {
		return modification;
	}

	/**
	 * @return the job as changed, for a new job stored whole: what its setup did (SPEC J9)
	 * @throws IllegalStateException if the change records events or requeues, which a new job does not
	 */
	JobRecord created() {
		if (!events.isEmpty() || requeue) {
			throw new IllegalStateException("a new job's setup recorded events: " + events);
		}
		return job;
	}

	/** Marks the change as a modification made now: the job's modification time. */
	void touch(Instant now) {
		set(b -> b.modified(now));
	}

	/**
	 * Writes the change in the open transaction: the files, the events (with their outbox ids), the notifications the
	 * new state makes stale, and the job's row if it changed (a checkpoint alone writes its file only).
	 *
	 * @return the record to make current
	 */
	JobRecord persist(JobStore.Writes w) {
		JobRecord j = job;
		if (!added.isEmpty()) {
			w.insertFiles(j.id(), added);
		}
		for (int index : files) {
			if (added.stream().noneMatch(f -> f.index() == index)) {
				w.updateFile(j.id(), j.files().get(index));
			}
		}
		List<Notice> notices = new ArrayList<>(j.notices());
		for (Event e : events) {
			if (e.journal()) {
				w.insertJournal(j.id(), j.owner(), e.kind(), e.file());
			}
			if (NotificationPolicy.wanted(j, e.kind())) {
				notices.add(w.insertNotice(j.id(), e.kind(), e.file()));
			}
		}
		for (Notice n : List.copyOf(notices)) {
			if (NotificationPolicy.stale(j, n)) {
				w.deleteNotice(n.id());
				notices.remove(n);
			}
		}
		JobRecord result = j.with(b -> b.notices(notices).version(row ? j.version() + 1 : j.version())); // notices live in the outbox
		if (row) {
			// conditional on the version this change was computed on; credentials rarely change, and are sealed anew when they do
			w.updateJob(result, !result.settings().credentials().equals(original.settings().credentials()));
		}
		if (requeue) {
			w.requeue(j.id());
		}
		return result;
	}
}
