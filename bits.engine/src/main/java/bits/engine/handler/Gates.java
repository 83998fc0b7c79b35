package bits.engine.handler;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The callbacks running in each handler bundle, and a gate per bundle that the engine closes to update or uninstall
 * it (SPEC H7, H9): a closed gate lets no new call in, and it is closed only once no call is running, so a bundle is
 * never changed under a callback. Calls enter and exit by bundle id.
 */
final class Gates {
	private final Map<Long, Integer> running = new HashMap<>(); // guarded by this
	private final Set<Long> closed = new HashSet<>(); // guarded by this

	/** @return whether a call may go in (and is counted); {@code false} while the bundle's gate is closed */
	synchronized boolean tryEnter(long bundle) {
		if (closed.contains(bundle)) {
			return false;
		}
		running.merge(bundle, 1, Integer::sum);
		return true;
	}

	/** A call that entered has returned. */
	synchronized void exit(long bundle) {
		running.computeIfPresent(bundle, (k, n) -> n > 1 ? n - 1 : null);
		notifyAll();
	}

	/** @return whether the bundle's gate is closed (it is being updated or uninstalled) */
	synchronized boolean closed(long bundle) {
		return closed.contains(bundle);
	}

	/** @return whether a call of the bundle is running */
	synchronized boolean busy(long bundle) {
		return running.containsKey(bundle);
	}

	/**
	 * Closes the bundle's gate at once, then waits for its running calls to return.
	 *
	 * @return whether it is closed with no call running; if calls still run after the timeout, it is open again and
	 *         {@code false}
	 */
	synchronized boolean close(long bundle, long timeoutNanos) throws InterruptedException {
		if (!closed.add(bundle)) {
			return false; // someone else changes it
		}
		long deadline = System.nanoTime() + timeoutNanos;
		while (running.containsKey(bundle)) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				open(bundle);
				return false;
			}
			TimeUnit.NANOSECONDS.timedWait(this, left);
		}
		return true;
	}

	synchronized void open(long bundle) {
		closed.remove(bundle);
		notifyAll();
	}

	/** Waits, at most until the deadline, for the bundle's gate to open. */
	synchronized void awaitOpen(long bundle, long deadlineNanos) throws InterruptedException {
		while (closed.contains(bundle)) {
			long left = deadlineNanos - System.nanoTime();
			if (left <= 0) {
				return;
			}
			TimeUnit.NANOSECONDS.timedWait(this, left);
		}
	}
}
