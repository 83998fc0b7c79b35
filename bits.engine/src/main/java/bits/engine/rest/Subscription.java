package bits.engine.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import bits.api.TransferJob;

/**
 * The changes one stream client has yet to be sent: the latest view of each changed job, so that a burst of progress
 * is one event per job (the changing thread only records, it never waits for the client).
 */
final class Subscription {
	private final Predicate<TransferJob> visible;
	private final Map<UUID, TransferJob> changed = new LinkedHashMap<>();
	private boolean closed;

	Subscription(Predicate<TransferJob> visible) {
		this.visible = visible;
	}

	/** Called on the thread that changed the job. */
	void changed(TransferJob job) {
		if (!visible.test(job)) {
			return;
		}
		synchronized (this) {
			changed.put(job.getId(), job);
			notifyAll();
		}
	}

	synchronized void close() {
		closed = true;
		notifyAll();
	}

	/**
	 * @return the jobs changed since the last call, waiting up to {@code timeoutMs} for one; empty when none changed
	 *         or the subscription was closed
	 */
	synchronized List<TransferJob> take(long timeoutMs) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
		while (changed.isEmpty() && !closed) {
			long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			if (left <= 0) {
				break;
			}
			wait(left);
		}
		List<TransferJob> result = new ArrayList<>(changed.values());
		changed.clear();
		return result;
	}

	synchronized boolean closed() {
		return closed;
	}
}
