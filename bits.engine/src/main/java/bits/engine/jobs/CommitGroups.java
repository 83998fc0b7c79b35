package bits.engine.jobs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Commits of concurrent callers made together (SPEC J9): a caller hands in its item and waits until it is committed.
 * One caller at a time commits, every item handed in up to then at once (at most {@code maxGroup}): while it does,
 * the others' items gather for the next group, so that n callers pay for about one commit and one sync, not n.
 *
 * @param <T> an item, which the commit marks failed if it alone could not be committed ({@link Item#fail})
 */
final class CommitGroups<T extends CommitGroups.Item> {
	/** What a caller hands in; the commit may refuse it alone, and then the caller throws its failure. */
	abstract static class Item {
		boolean done; // guarded by the CommitGroups; only it sets the fields
		RuntimeException failure;

		/** This item is not committed, for this reason; the others of its group may be. */
		final void fail(RuntimeException why) {
			failure = why;
		}
	}

	private final Consumer<List<T>> commit;
	private final int maxGroup;
	private final ArrayDeque<T> pending = new ArrayDeque<>(); // guarded by this
	private boolean committing; // guarded by this

	/**
	 * @param commit commits a group as one, durably, or throws, and then every item of it fails (if only the sync
	 *        failed, the commit may stand); called by one thread at a time
	 */
	CommitGroups(Consumer<List<T>> commit, int maxGroup) {
		this.commit = commit;
		this.maxGroup = maxGroup;
	}

	/**
	 * Commits the item with whatever other callers hand in meanwhile; returns when it is committed.
	 *
	 * @throws RuntimeException the item's own failure, or the group's commit's
	 */
	void commit(T item) {
		boolean interrupted = false;
		synchronized (this) {
			pending.add(item);
			while (committing && !item.done) {
				try {
					wait();
				} catch (InterruptedException e) {
					interrupted = true; // the commit of the item may be under way: its caller learns its outcome
				}
			}
			if (!item.done) {
				committing = true;
			}
		}
		if (!item.done) {
			lead(item); // not interrupted meanwhile: an interrupted thread's file syncs fail (ClosedByInterruptException)
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		if (item.failure != null) {
			throw item.failure;
		}
	}

	/** @return how many items wait for a commit that has not begun */
	synchronized int waiting() {
		return pending.size();
	}

	/** Commits groups until the caller's own item is done, then lets the next waiting caller lead. */
	private void lead(T item) {
		try {
			boolean mine;
			do {
				List<T> group = new ArrayList<>();
				synchronized (this) {
					while (!pending.isEmpty() && group.size() < maxGroup) {
						group.add(pending.poll());
					}
				}
				RuntimeException failure = new IllegalStateException("the commit of the group failed"); // until it returns
				try {
					commit.accept(group);
					failure = null;
				} catch (RuntimeException e) {
					failure = e;
				} finally {
					synchronized (this) {
						for (T i : group) {
							if (failure != null && i.failure == null) {
								i.fail(failure);
							}
							i.done = true;
						}
						notifyAll();
					}
				}
				synchronized (this) {
					mine = item.done;
				}
			} while (!mine);
		} finally {
			synchronized (this) {
				committing = false;
				notifyAll();
			}
		}
	}
}
