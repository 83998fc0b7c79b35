package bits.engine.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.files.TemporaryFiles;
import bits.engine.files.UnsafeFileException;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;

/**
 * The temporary file of one file being transferred. Data is written at the current position; every
 * {@value #CHECKPOINT_BYTES} bytes or second it is synced and the position recorded in the store, so a crash loses at
 * most one checkpoint of data (SPEC J7). The sync runs beside the writes, so the network never waits for the disk,
 * unless the data not yet durable reaches {@value #MAX_UNSYNCED} bytes. Local I/O errors become LOCAL_FILE failures.
 */
final class DataSink implements AutoCloseable {
	static final long CHECKPOINT_BYTES = 4L << 20;
	/** The least data that counts as activity within a read timeout (below it a response stalls: slow-loris). */
	static final long ACTIVITY_BYTES = 1024;
	static final long MAX_UNSYNCED = 8L << 20;
	static final long CHECKPOINT_NANOS = 1_000_000_000L;

	private final JobTransitions transitions;
	private final UUID job;
	/** The file as its transfer began; what changes since is read from the transitions. */
	private final FileRecord file;
	/** The identity of the temporary file the engine created. */
	private final String key;
	private final Throttle throttle;
	private final JobRun run;
	private final FileChannel channel;
	private final Executor syncer;
	private CompletableFuture<Long> pending = CompletableFuture.completedFuture(0L);
	private long position;
	private long checkpointed;
	private volatile long synced;
	private long checkpointedAt = System.nanoTime();
	private long total = -1;
	private String validator;
	private volatile long lastActivity = System.nanoTime();
	/** The position when {@link #lastActivity} was last set. */
	private long activityMark;
	private long limit = -1;

	DataSink(JobTransitions transitions, UUID job, FileRecord file, Throttle throttle, JobRun run, Executor syncer) throws TransferFailure {
		this.syncer = syncer;
		this.transitions = transitions;
		this.job = job;
		this.file = file;
		this.throttle = throttle;
		this.run = run;
		String known = file.temporaryKey();
		try {
			// created new and exclusive (0600), or reopened only if it is still the file the engine created
			TemporaryFiles.Opened opened = TemporaryFiles.open(file.temporary(), known);
			channel = opened.channel();
			if (opened.key() != null && !opened.key().equals(known)) {
				transitions.temporaryCreated(job, file.index(), opened.key());
			}
			key = opened.key() != null ? opened.key() : known;
		} catch (IOException e) {
			throw local(e);
		}
	}

	/** Caps what this file may hold (the job's maximum download size less its other files); -1: no cap. */
	void limit(long bytes) {
		this.limit = bytes;
	}

	/** @return the bytes of the temporary file that the store knows to be durable */
	long durableLength() throws TransferFailure {
		try {
			return Math.min(transitions.file(job, file.index()).bytesTransferred(), channel.size());
		} catch (IOException e) {
			throw local(e);
		}
	}

	/** Records the size the server gave in a response the transfer cannot use. */
	void sizeKnown(long total) {
		transitions.sizeKnown(job, file.index(), total);
	}

	/**
	 * Positions the file at {@code offset}, dropping anything after it: unrecorded data, or all of it for 0. At the
	 * position it is at, the file goes on as it is (a download resumed in place after an interruption): what it holds
	 * beyond its last checkpoint stays unrecorded until the next one.
	 */
	void startAt(long offset, long total, String validator) throws TransferFailure {
		awaitSync(); // no background sync may record an old position after this
		boolean goesOn = offset > 0 && offset == position;
		try {
			channel.truncate(offset);
			channel.position(offset);
		} catch (IOException e) {
			throw local(e);
		}
		if (offset == 0 && transitions.file(job, file.index()).bytesTransferred() > 0) {
			transitions.restartFile(job, file.index());
		}
		this.position = offset;
		if (!goesOn) {
			this.checkpointed = offset;
			this.synced = offset;
		}
		this.total = total;
		this.validator = validator;
		transitions.received(job, file.index(), offset);
		if (total >= 0) {
			transitions.sizeAnnounced(job, file.index(), total);
		}
		lastActivity = System.nanoTime();
		activityMark = offset;
	}

	long position() {
		return position;
	}

	/** @return whether the file holds data beyond its last checkpoint, which a checkpoint would record */
	boolean unrecorded() {
		return position > checkpointed;
	}

	long lastActivityNanos() {
		return lastActivity;
	}

	void write(ByteBuffer[] buffers) throws TransferFailure, Stopped, InterruptedException {
		long n = 0;
		for (ByteBuffer b : buffers) {
			n += b.remaining();
		}
		if (limit >= 0 && position + n > limit) {
			// checked while writing, not only against a declared length: a chunked body announces none
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED,
					"the file grew past " + limit + " bytes, more than the job's maximum download size allows", null);
		}
		throttle.acquire(n);
		try {
			while (n > 0) {
				long w = channel.write(buffers);
				n -= w;
				position += w;
			}
		} catch (IOException e) {
			throw local(e);
		}
		transitions.received(job, file.index(), position);
		long now = System.nanoTime();
		// a trickle (a slow-loris server) is no activity: under ACTIVITY_BYTES per read timeout counts as a stall
		if (position - activityMark >= ACTIVITY_BYTES) {
			lastActivity = now;
			activityMark = position;
		}
		if (position - checkpointed >= CHECKPOINT_BYTES || now - checkpointedAt >= CHECKPOINT_NANOS) {
			if (pending.isDone()) {
				durable(); // rethrows a failed sync
				long at = position;
				pending = CompletableFuture.supplyAsync(() -> sync(at), syncer);
				checkpointed = at;
				checkpointedAt = now;
			} else if (position - durable() >= MAX_UNSYNCED) {
				awaitSync(); // the disk is slower than the network: wait rather than risk more than a checkpoint
			}
		}
		if (run.stopRequested()) {
			checkpoint(false);
			throw new Stopped();
		}
	}

	/**
	 * The file is whole: a small one joins the job's group commit, a large one is synced and recorded now, after the
	 * small files before it (recorded, and so notified, in order: SPEC N12).
	 */
	void finish(GroupCommit group) throws TransferFailure, Stopped, InterruptedException {
		run.inTurn(file.index(), () -> { // a file fetched ahead completes in order (SPEC N12)
			if (position < CHECKPOINT_BYTES) {
				awaitSync();
				group.add(new GroupCommit.Whole(file.index(), file.temporary(), key), position, validator);
			} else {
				group.commit();
				checkpoint(true);
			}
		});
	}

	/**
	 * The file is whole as it is (the server has nothing after what is kept): it completes, in its turn, after the
	 * small files before it.
	 */
	void finishAsIs(GroupCommit group) throws TransferFailure, Stopped, InterruptedException {
		run.inTurn(file.index(), () -> {
			group.commit();
			checkpoint(true);
		});
	}

	/** Syncs the data and records the position; {@code completed} marks the file whole. */
	void checkpoint(boolean completed) throws TransferFailure {
		awaitSync();
		try {
			channel.force(false);
		} catch (IOException e) {
			throw local(e);
		}
		transitions.checkpoint(job, file.index(), position, completed ? position : total, validator, completed);
		checkpointed = position;
		synced = position;
		checkpointedAt = System.nanoTime();
	}

	private long sync(long at) {
		try {
			channel.force(false);
		} catch (IOException e) {
			throw new CompletionException(local(e));
		}
		transitions.checkpoint(job, file.index(), at, total, validator, false);
		synced = at;
		return at;
	}

	/** @return the position last known durable; rethrows the failure of a finished background sync */
	private long durable() throws TransferFailure {
		if (pending.isCompletedExceptionally()) {
			awaitSync();
		}
		return synced;
	}

	private void awaitSync() throws TransferFailure {
		try {
			pending.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} catch (ExecutionException e) {
			pending = CompletableFuture.completedFuture(checkpointed);
			if (e.getCause() instanceof TransferFailure f) {
				throw f;
			}
			if (e.getCause() instanceof RuntimeException r) {
				throw r; // as the sync saw it: a lost claim (SPEC C3) or the store down is the run's to handle, not a fault
			}
			throw new IllegalStateException(e.getCause());
		}
	}

	@Override
	public void close() {
		try {
			pending.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} catch (ExecutionException e) {
			// reported by the write or checkpoint that saw it
		}
		try {
			channel.close();
		} catch (IOException e) {
			// nothing left to lose: every checkpoint was synced
		}
	}

	static TransferFailure local(IOException e) {
		int code;
		String what;
		if (e instanceof UnsafeFileException) {
			code = ErrorCodes.E_ACCESSDENIED;
			what = "refused: ";
		} else if (e instanceof NoSuchFileException) {
			code = ErrorCodes.E_PATH_NOT_FOUND;
			what = "the directory does not exist: ";
		} else if (e instanceof AccessDeniedException) {
			code = ErrorCodes.E_ACCESSDENIED;
			what = "permission denied: ";
		} else if (String.valueOf(e.getMessage()).contains("No space left")) {
			code = ErrorCodes.E_DISK_FULL;
			what = "the disk is full: ";
		} else {
			code = ErrorCodes.E_ACCESSDENIED;
			what = "cannot write the local file: ";
		}
		return TransferFailure.fatal(ErrorContext.LOCAL_FILE, code, what + e.getMessage(), e);
	}
}
