package bits.engine.jobs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import bits.engine.store.JobStore;

/**
 * Removes acknowledged notifications from the outbox in batches: one commit for all acknowledgements that arrived
 * while the previous commit was being made (SPEC N7). A notification acknowledged but not yet removed when the
 * process dies is delivered again after the restart, which at-least-once delivery allows.
 */
final class Acknowledgements {
	private final JobStore store;
	private final Executor writer;
	private final List<Long> pending = new ArrayList<>(); // guarded by this
	/** Those being removed now, until the commit. */
	private final Set<Long> removing = new HashSet<>(); // guarded by this
	private boolean scheduled; // guarded by this

	Acknowledgements(JobStore store, Executor writer) {
		this.store = store;
		this.writer = writer;
	}

	synchronized void add(long notice) {
		pending.add(notice);
		if (!scheduled) {
			scheduled = true;
			try {
				writer.execute(this::flush);
			} catch (RejectedExecutionException e) {
				scheduled = false; // stopping: the last flush takes it
			}
		}
	}

	/** @return whether the notification was acknowledged and its removal is not yet committed */
	synchronized boolean pending(long notice) {
		return pending.contains(notice) || removing.contains(notice);
	}

	/** Writes what is pending now; called by the writer thread, and when the table stops. */
	void flush() {
		List<Long> batch;
		synchronized (this) {
			batch = new ArrayList<>(pending);
			pending.clear();
			removing.addAll(batch);
			scheduled = false;
		}
		try {
			if (!batch.isEmpty()) {
				store.transaction(w -> batch.forEach(w::deleteNotice));
				store.sync();
			}
		} finally {
			synchronized (this) {
				batch.forEach(removing::remove);
			}
		}
	}
}
