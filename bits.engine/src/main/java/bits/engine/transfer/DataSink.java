package bits.engine.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.jobs.JobTransitions;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/**
 * The temporary file of one file being transferred. Data is written at the current position; every
 * {@value #CHECKPOINT_BYTES} bytes or second it is synced and the position recorded in the store, so a crash loses at
 * most one checkpoint of data (SPEC J7). Local I/O errors become LOCAL_FILE failures.
 */
final class DataSink implements AutoCloseable {
	static final long CHECKPOINT_BYTES = 8L << 20;
	static final long CHECKPOINT_NANOS = 1_000_000_000L;

	private final JobTransitions transitions;
	private final JobRow job;
	private final FileRow file;
	private final Throttle throttle;
	private final JobRun run;
	private final FileChannel channel;
	private long position;
	private long checkpointed;
	private long checkpointedAt = System.nanoTime();
	private long total = -1;
	private String validator;
	private volatile long lastActivity = System.nanoTime();

	DataSink(JobTransitions transitions, JobRow job, FileRow file, Throttle throttle, JobRun run) throws TransferFailure {
		this.transitions = transitions;
		this.job = job;
		this.file = file;
		this.throttle = throttle;
		this.run = run;
		try {
			channel = FileChannel.open(file.temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		} catch (IOException e) {
			throw local(e);
		}
	}

	/** @return the bytes of the temporary file that the store knows to be durable */
	long durableLength() throws TransferFailure {
		try {
			return Math.min(transitions.read(job, j -> file.bytesTransferred), channel.size());
		} catch (IOException e) {
			throw local(e);
		}
	}

	/** Positions the file at {@code offset}, dropping anything after it: unrecorded data, or all of it for 0. */
	void startAt(long offset, long total, String validator) throws TransferFailure {
		try {
			channel.truncate(offset);
			channel.position(offset);
		} catch (IOException e) {
			throw local(e);
		}
		if (offset == 0 && transitions.read(job, j -> file.bytesTransferred) > 0) {
			transitions.restartFile(job, file);
		}
		this.position = offset;
		this.checkpointed = offset;
		this.total = total;
		this.validator = validator;
		file.liveBytes = offset;
		lastActivity = System.nanoTime();
	}

	long position() {
		return position;
	}

	long lastActivityNanos() {
		return lastActivity;
	}

	void write(ByteBuffer[] buffers) throws TransferFailure, Stopped, InterruptedException {
		long n = 0;
		for (ByteBuffer b : buffers) {
			n += b.remaining();
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
		file.liveBytes = position;
		lastActivity = System.nanoTime();
		if (position - checkpointed >= CHECKPOINT_BYTES || lastActivity - checkpointedAt >= CHECKPOINT_NANOS) {
			checkpoint(false);
		}
		if (run.stopRequested()) {
			checkpoint(false);
			throw new Stopped();
		}
	}

	/** Syncs the data and records the position; {@code completed} marks the file whole. */
	void checkpoint(boolean completed) throws TransferFailure {
		try {
			channel.force(false);
		} catch (IOException e) {
			throw local(e);
		}
		transitions.checkpoint(job, file, position, completed ? position : total, validator, completed);
		checkpointed = position;
		checkpointedAt = System.nanoTime();
	}

	@Override
	public void close() {
		try {
			channel.close();
		} catch (IOException e) {
			// nothing left to lose: every checkpoint was synced
		}
	}

	static TransferFailure local(IOException e) {
		int code;
		String what;
		if (e instanceof NoSuchFileException) {
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
