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
 * them. A crash before that loses at most one checkpoint's worth of small files, which are fetched again (SPEC J7).
 */
final class GroupCommit {
	private static final int PARALLEL_SYNCS = 8;

	private final JobTransitions transitions;
	private final UUID job;
	private final Executor syncer;
	private final List<Whole> pending = new ArrayList<>();

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

	void add(Whole file, long size, String validator) throws TransferFailure {
		transitions.completedUnsynced(job, file.index(), size, validator);
		pending.add(file);
		bytes += size;
		if (bytes >= DataSink.CHECKPOINT_BYTES || System.nanoTime() - since >= DataSink.CHECKPOINT_NANOS) {
			commit();
		}
	}

	/** Syncs and records every pending file. */
	void commit() throws TransferFailure {
		commit(false);
	}

	/**
	 * Syncs every pending file, then records them and the job TRANSFERRED in one transaction: the last group costs no
	 * commit of its own.
	 */
	void commitTransferred() throws TransferFailure {
		commit(true);
	}

	private void commit(boolean transferred) throws TransferFailure {
		if (pending.isEmpty() && transferred) {
			transitions.transferred(job, List.of());
		} else if (!pending.isEmpty()) {
			List<List<Whole>> slices = new ArrayList<>();
			for (int i = 0; i < PARALLEL_SYNCS; i++) {
				slices.add(new ArrayList<>());
			}
			for (int i = 0; i < pending.size(); i++) {
				slices.get(i % PARALLEL_SYNCS).add(pending.get(i));
			}
			List<CompletableFuture<Void>> syncs = new ArrayList<>();
			for (List<Whole> slice : slices) {
				if (!slice.isEmpty()) {
					syncs.add(CompletableFuture.runAsync(() -> slice.forEach(GroupCommit::sync), syncer));
				}
			}
			try {
				CompletableFuture.allOf(syncs.toArray(new CompletableFuture[0])).join();
				if (transferred) {
					transitions.transferred(job, indexes());
				} else {
					transitions.groupCompleted(job, indexes());
				}
			} catch (CompletionException e) {
				transitions.uncompleted(job, indexes());
				pending.clear();
				if (e.getCause() instanceof UncheckedFailure u) {
					throw u.failure;
				}
				throw e;
			} catch (RuntimeException e) {
				transitions.uncompleted(job, indexes());
				pending.clear();
				throw e;
			}
			pending.clear();
		}
		bytes = 0;
		since = System.nanoTime();
	}

	private List<Integer> indexes() {
		return pending.stream().map(Whole::index).toList();
	}

	private static void sync(Whole f) {
		try (FileChannel c = TemporaryFiles.openForReading(f.temporary(), f.key())) { // fsync needs no write access
			c.force(false);
		} catch (IOException e) {
			throw new UncheckedFailure(DataSink.local(e));
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
