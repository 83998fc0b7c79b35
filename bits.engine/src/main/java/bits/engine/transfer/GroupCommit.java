package bits.engine.transfer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import bits.engine.files.TemporaryFiles;
import bits.engine.jobs.JobTransitions;

/**
 * Durability for small files, in groups: a job of many small files would otherwise pay two syncs per file (its data,
 * and the store's commit). Completed small files are synced together, in parallel, once they add up to a checkpoint
 * or a second has passed, and always before the job is TRANSFERRED or leaves the wire; then one transaction records
 * them. A group is synced and recorded beside the transfer, which goes on with the next files meanwhile; groups are
 * recorded in order, and one at a time: a group waits for the one before it (the disk is slower than the network). A
 * crash before a group is recorded loses at most two checkpoints' worth of small files (the group on its way and the
 * one filling), which are fetched again (SPEC J7). A group that fails is not transferred after all, nor are the files
 * after it; the failure is the run's when its next file completes, or at its end.
 */
final class GroupCommit {
	private static final int PARALLEL_SYNCS = 8;

	private final JobTransitions transitions;
	private final UUID job;
	private final Executor syncer;
	private final List<Whole> pending = new ArrayList<>();
	/** The last group sent to be synced and recorded; completed, without failure, when none is on its way. */
	private CompletableFuture<Void> recorded = CompletableFuture.completedFuture(null);

	/** A small file whole in its temporary file, which the engine created with that identity. */
	record Whole(int index, Path temporary, String key) {
	}
	private long bytes;
	private long since = System.nanoTime();

	GroupCommit(JobTransitions transitions, UUID job, Executor syncer) {
		this.transitions = transitions;
		this.job = job;
		this.syncer = syncer;
	}

	synchronized void add(Whole file, long size, String validator) throws TransferFailure {
		if (recorded.isCompletedExceptionally()) {
			awaitRecorded(); // throws the group's failure
		}
		transitions.completedUnsynced(job, file.index(), size, validator);
		pending.add(file);
		bytes += size;
		if (bytes >= DataSink.CHECKPOINT_BYTES || System.nanoTime() - since >= DataSink.CHECKPOINT_NANOS) {
			awaitRecorded(); // one group on its way at a time
			List<Whole> group = taken();
			CompletableFuture<Void> synced;
			try {
				synced = sync(group);
			} catch (RuntimeException e) { // the engine is stopping: its workers take no more
				transitions.uncompleted(job, indexes(group));
				throw e;
			}
			// a failure leaves the files completed in memory until the run's own thread sees it (awaitRecorded): made
			// uncompleted here, a file after them would wait for its turn behind them, and never reach the next add
			recorded = synced.handle((v, failure) -> {
				if (failure == null) {
					try {
						transitions.groupCompleted(job, indexes(group));
						return null;
					} catch (RuntimeException e) {
						failure = e;
					}
				}
				throw new GroupFailed(group, failure);
			});
		}
	}

	/** Syncs and records every pending file, after the group on its way. */
	synchronized void commit() throws TransferFailure {
		commit(false);
	}

	/**
	 * Syncs every pending file, then records them and the job TRANSFERRED in one transaction: the last group costs no
	 * commit of its own.
	 */
	synchronized void commitTransferred() throws TransferFailure {
		commit(true);
	}

	/**
	 * The run ends without its files' commit (a failure writing a file): the group on its way ends first, so that
	 * nothing of the run is recorded after its outcome; the files not yet sent are not transferred after all.
	 */
	synchronized void abandon() {
		try {
			awaitRecorded();
		} catch (TransferFailure | RuntimeException e) {
			// its files, and those after them, are fetched again
		}
		transitions.uncompleted(job, indexes(pending));
		pending.clear();
	}

	private void commit(boolean transferred) throws TransferFailure {
		awaitRecorded();
		if (pending.isEmpty()) {
			if (transferred) {
				transitions.transferred(job, List.of());
			}
			return;
		}
		List<Whole> group = taken();
		try {
			sync(group).join();
			if (transferred) {
				transitions.transferred(job, indexes(group));
			} else {
				transitions.groupCompleted(job, indexes(group));
			}
		} catch (RuntimeException e) {
			transitions.uncompleted(job, indexes(group));
			throw unwrapped(e);
		}
	}

	/**
	 * Waits for the group on its way. If it failed, its files and the files pending after it are not transferred after
	 * all (fetched again), and its failure is thrown.
	 */
	private void awaitRecorded() throws TransferFailure {
		try {
			recorded.join();
		} catch (RuntimeException e) {
			recorded = CompletableFuture.completedFuture(null); // thrown once
			List<Integer> lost = new ArrayList<>();
			RuntimeException failure = e;
			if (e.getCause() instanceof GroupFailed g) {
				lost.addAll(indexes(g.group));
				failure = g.getCause() instanceof RuntimeException r ? r : new CompletionException(g.getCause());
			}
			lost.addAll(indexes(pending));
			pending.clear();
			transitions.uncompleted(job, lost);
			throw unwrapped(failure);
		}
	}

	/** @return the pending files, now a group of their own */
	private List<Whole> taken() {
		List<Whole> group = List.copyOf(pending);
		pending.clear();
		bytes = 0;
		since = System.nanoTime();
		return group;
	}

	/** The group's files synced in parallel. */
	private CompletableFuture<Void> sync(List<Whole> group) {
		List<List<Whole>> slices = new ArrayList<>();
		for (int i = 0; i < PARALLEL_SYNCS; i++) {
			slices.add(new ArrayList<>());
		}
		for (int i = 0; i < group.size(); i++) {
			slices.get(i % PARALLEL_SYNCS).add(group.get(i));
		}
		List<CompletableFuture<Void>> syncs = new ArrayList<>();
		for (List<Whole> slice : slices) {
			if (!slice.isEmpty()) {
				syncs.add(CompletableFuture.runAsync(() -> slice.forEach(GroupCommit::sync), syncer));
			}
		}
		return CompletableFuture.allOf(syncs.toArray(new CompletableFuture[0]));
	}

	/** @return what failed: a sync's failure as the transfer's, anything else (the store's) as it is */
	private static RuntimeException unwrapped(RuntimeException e) throws TransferFailure {
		Throwable t = e;
		while (t instanceof CompletionException && t.getCause() != null) {
			t = t.getCause();
		}
		if (t instanceof UncheckedFailure u) {
			throw u.failure;
		}
		return t instanceof RuntimeException r ? r : e;
	}

	private static List<Integer> indexes(List<Whole> files) {
		return files.stream().map(Whole::index).toList();
	}

	private static void sync(Whole f) {
		try (FileChannel c = TemporaryFiles.openForReading(f.temporary(), f.key())) { // fsync needs no write access
			c.force(false);
		} catch (IOException e) {
			throw new UncheckedFailure(DataSink.local(e));
		}
	}

	/** A group's sync or record failed; its files are still completed in memory. */
	private static final class GroupFailed extends RuntimeException {
		private static final long serialVersionUID = 1L;
		final transient List<Whole> group;

		GroupFailed(List<Whole> group, Throwable cause) {
			super(cause);
			this.group = group;
		}
	}

	private static final class UncheckedFailure extends RuntimeException {
		private static final long serialVersionUID = 1L;
		final transient TransferFailure failure;

		UncheckedFailure(TransferFailure failure) {
			super(failure);
			this.failure = failure;
		}
	}
}
