package bits.engine.jobs;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.log.Logger;

import bits.engine.model.JobRecord;

/**
 * The table's changes, told to its notifiers in the order they were committed and one at a time, whichever thread
 * made them. Without it two threads changing one job (a transfer's TRANSIENT_ERROR, the scheduler's QUEUED) could
 * tell of their changes in the reverse order, and a listener would see the job go back in time.
 * <p>
 * A change is recorded where it commits (under the table's lock) and told once it is durable; the thread that makes
 * a change durable tells it, and every earlier durable change still untold, unless another thread is telling already:
 * that one then tells it too. A change not yet durable holds back the ones after it, until its own thread tells it.
 */
final class ChangeFeed {
	/** One committed change. */
	static final class Entry {
		final JobRecord job;
		volatile boolean durable;

		Entry(JobRecord job) {
			this.job = job;
		}
	}

	private final List<Notifier> notifiers;
	private final Logger log;
	private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
	/** Not a reentrant lock: a notifier that changed a job on this thread would otherwise tell it out of turn. */
	private final AtomicBoolean telling = new AtomicBoolean();

	/** @param notifiers who is told, each in turn: a list that may change meanwhile (copy on write) */
	ChangeFeed(List<Notifier> notifiers, Logger log) {
		this.notifiers = notifiers;
		this.log = log;
	}

	/** Records a change as it commits, in commit order (under the table's lock); its thread then calls {@link #durable}. */
	Entry committed(JobRecord job) {
		Entry e = new Entry(job);
		queue.add(e);
		return e;
	}

	/** The change is durable: it is told, after every change committed before it. */
	void durable(Entry e) {
		e.durable = true;
		tell();
	}

	/** Records a change that is durable already (read from the store), in commit order; {@link #tell()} tells it. */
	void stored(JobRecord job) {
		committed(job).durable = true;
	}

	/** Tells of a change the caller made durable, after every change recorded before it. */
	void tell(JobRecord job) {
		durable(committed(job));
	}

	/** Tells of every durable change recorded so far, in order, unless another thread is telling them already. */
	void tell() {
		// the check after letting go pairs with durable(): a change made durable while this thread was telling is
		// either told by this thread or by its own
		while (ready() && telling.compareAndSet(false, true)) {
			try {
				for (Entry e = queue.peek(); e != null && e.durable; e = queue.peek()) {
					queue.poll();
					for (Notifier n : notifiers) {
						try {
							n.jobChanged(e.job);
						} catch (VirtualMachineError x) {
							throw x;
						} catch (Throwable x) { // one notifier's fault (a listener's bundle gone) must not silence the others or stop the feed
							log.error("a notifier failed on job {}: {}", e.job.id(), x.toString(), x);
						}
					}
				}
			} finally {
				telling.set(false);
			}
		}
	}

	private boolean ready() {
		Entry head = queue.peek();
		return head != null && head.durable;
	}
}
