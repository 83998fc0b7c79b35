package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Removes acknowledged notifications from the outbox in batches: one commit for all acknowledgements that arrived
 * while the previous commit was being made (SPEC N7). A notification acknowledged but not yet removed when the
 * process dies is delivered again after the restart, which at-least-once delivery allows.
 */
final class Acknowledgements {
	private final JobTable table;
	private final List<Long> pending = new ArrayList<>(); // guarded by this
	private boolean scheduled; // guarded by this
	private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "bits-outbox");
		t.setDaemon(true);
		return t;
	});

	Acknowledgements(JobTable table) {
		this.table = table;
	}

	synchronized void add(long notice) {
		pending.add(notice);
		if (!scheduled) {
			scheduled = true;
			writer.execute(this::flush);
		}
	}

	/** Writes what is pending now; called by the writer thread, and on close. */
	void flush() {
		List<Long> batch;
		synchronized (this) {
			batch = new ArrayList<>(pending);
			pending.clear();
			scheduled = false;
		}
		if (!batch.isEmpty()) {
			synchronized (table) { // the table's lock guards the store
				table.store().transaction(() -> batch.forEach(table.store()::deleteNotice));
			}
		}
	}

	void close() {
		writer.shutdown();
		try {
			writer.awaitTermination(10, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		flush();
	}
}
