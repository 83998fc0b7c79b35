package bits.engine.jobs;

import java.io.IOException;
import java.nio.file.Path;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import bits.api.JobError;
import bits.api.JobState;
import bits.engine.files.ReplyFiles;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.Notice;
import bits.engine.store.StoreException;

/**
 * What transfers report, by job id and file index, and the state changes they cause (SPEC J2, J5, J6). A report about a
 * job that was meanwhile suspended, cancelled or completed changes nothing but durable progress; one about a job that
 * is gone changes nothing.
 */
public final class JobTransitions {
	private final JobTable table;
	private final Recovery recovery = new Recovery();

	JobTransitions(JobTable table) {
		this.table = table;
	}

	/** @return the queued jobs, oldest first */
	public List<JobRecord> queued() {
		return table.queued();
	}

	/** @return the job as it is now; empty once it is final */
	public Optional<JobRecord> job(UUID id) {
		return table.job(id);
	}

	/**
	 * Moves the jobs whose retry time has come from TRANSIENT_ERROR to QUEUED.
	 *
	 * @param running the jobs a run of this engine still has: left alone
	 * @return the next retry time of a job still waiting, or {@code null}
	 */
	public Instant promoteDueRetries(Instant now, Set<UUID> running) {
		Instant next = null;
		for (JobRecord j : table.retrying()) {
			Instant at = j.retryAt();
			if (at == null || running.contains(j.id())) { // a run that still has it retries it at once, in place
				continue;
			}
			if (!at.isAfter(now)) {
				change(j.id(), JobState.TRANSIENT_ERROR, false, r -> r.state(JobState.QUEUED).retryAt(null));
			} else if (next == null || at.isBefore(next)) {
				next = at;
			}
		}
		return next;
	}

	/**
	 * Jobs left CONNECTING or TRANSFERRING with no scheduler running them go back to QUEUED. Not in a shared store:
	 * there the running jobs are other engines', and a takeover requeues those of a dead one (SPEC C4).
	 */
	public void requeueOrphans() {
		if (table.shared()) {
			return;
		}
		for (JobRecord j : table.jobs()) {
			yielded(j.id());
		}
	}

	/**
	 * QUEUED → CONNECTING; in a shared store the claim did that already.
	 *
	 * @return whether the job may now be transferred
	 */
	public boolean begin(UUID job) {
		if (table.shared()) {
			return table.claimedHere(job);
		}
		return change(job, JobState.QUEUED, true, r -> r.state(JobState.CONNECTING));
	}

	/**
	 * CONNECTING → TRANSFERRING, once the server answered; in a shared store recorded with the transfer's next write
	 * ({@link JobTable#transferringUnrecorded}).
	 */
	public void transferring(UUID job) {
		if (table.shared()) {
			table.transferringUnrecorded(job);
			return;
		}
		change(job, JobState.CONNECTING, true, r -> r.state(JobState.TRANSFERRING));
	}

	/**
	 * @return whether the job is still CONNECTING or TRANSFERRING (in a shared store: under this engine's claim), i.e.
	 *         its transfer should go on
	 */
	public boolean isRunning(UUID job) {
		if (table.shared()) {
			return table.claimedHere(job);
		}
		return table.job(job).map(JobRecord::running).orElse(false);
	}

	/** This engine's transfer of the job ended (a shared store: its claim reports nothing more). */
	public void runEnded(UUID job) {
		if (table.shared()) {
			table.runEnded(job);
		}
	}

	/** @return the job's first file not yet transferred, or {@code null} */
	public FileRecord nextFile(UUID job) {
		return table.job(job).map(JobRecord::nextFile).orElse(null);
	}

	/** @return the file as it is now (its durable progress, validator, temporary file's identity) */
	public FileRecord file(UUID job, int index) {
		return table.job(job).map(j -> j.files().get(index)).orElseThrow(() -> new IllegalStateException("job " + job + " is gone"));
	}

	/** @return where an upload-reply job's reply is received (SPEC U2): the engine's own directory in the store */
	public Path replyTemporary(UUID job) throws IOException {
		return ReplyFiles.temporary(table.storeDirectory(), job);
	}

	/** Bytes received so far, durable or not: what progress shows until the next checkpoint. */
	public void received(UUID job, int file, long bytes) {
		table.live().set(job, file, bytes);
	}

	/**
	 * Records durable progress of a file: its data up to {@code bytes} is synced to the temporary file.
	 *
	 * @param total the file size, or -1 if unknown
	 * @param validator the remote content's validator
	 * @param completed whether the file is whole
	 */
	public void checkpoint(UUID job, int file, long bytes, long total, String validator, boolean completed) {
		table.transfer(job, false, c -> {
			FileRecord before = c.job().files().get(file);
			boolean newlyCompleted = completed && !before.completed();
			c.file(file, f -> f.checkpointed(bytes, total, validator, completed));
			if (bytes > before.bytesTransferred() || newlyCompleted) { // progress: a modification
				c.modification();
				c.set(b -> b.lastProgress(Instant.now()));
				if (newlyCompleted) {
					c.record(Notice.Kind.FILE_TRANSFERRED, file);
				}
			}
			return null;
		});
		if (completed) {
			table.live().reset(job, file); // its record holds all its bytes now: progress need not look at it again
		}
	}

	/** The engine created the file's temporary file: its identity is stored with the next record of the file. */
	public void temporaryCreated(UUID job, int file, String key) {
		inMemory(job, file, f -> f.withTemporaryKey(key));
	}

	/** A response announced the file's size: progress shows it at once; the next checkpoint stores it. */
	public void sizeAnnounced(UUID job, int file, long total) {
		inMemory(job, file, f -> f.withBytesTotal(total));
	}

	/** The server told the file's size though the transfer cannot go on (a handler may decide with it, SPEC J4). */
	public void sizeKnown(UUID job, int file, long total) {
		table.transfer(job, false, c -> {
			c.file(file, f -> f.withBytesTotal(total));
			return null;
		});
	}

	/**
	 * A small file is whole in its temporary file but not yet synced: it counts as transferred in memory, so the job
	 * moves on, and becomes durable with the next group of such files ({@link #groupCompleted}).
	 */
	public void completedUnsynced(UUID job, int file, long size, String validator) {
		table.live().set(job, file, size);
		inMemory(job, file, f -> f.completedUnsynced(size, validator));
	}

	/** Files whose group commit failed are not transferred after all: they will be fetched again. */
	public void uncompleted(UUID job, List<Integer> files) {
		for (int file : files) {
			table.live().reset(job, file);
			inMemory(job, file, FileRecord::uncompleted);
		}
	}

	/** Records files whose data was synced as completed, in one transaction (a group commit). */
	public void groupCompleted(UUID job, List<Integer> files) {
		table.transfer(job, true, c -> {
			completed(c, files);
			return null;
		});
		for (int file : files) {
			table.live().reset(job, file); // their records hold all their bytes now
		}
	}

	private static void completed(Change c, List<Integer> files) {
		for (int file : files) {
			c.file(file, f -> f.checkpointed(f.bytesTotal(), f.bytesTotal(), f.validator(), true));
			c.record(Notice.Kind.FILE_TRANSFERRED, file);
		}
		c.set(b -> b.lastProgress(Instant.now()));
	}

	/** The remote content changed: the file starts again from byte 0 (SPEC J6); its FILE_TRANSFERRED, if pending, goes. */
	public void restartFile(UUID job, int file) {
		table.live().reset(job, file);
		table.transfer(job, true, c -> {
			c.file(file, FileRecord::restarted);
			return null;
		});
	}

	/**
	 * Every file is transferred: CONNECTING/TRANSFERRING → TRANSFERRED; in the same transaction, after them, the last
	 * synced small files are recorded whole (as {@link #groupCompleted}).
	 */
	public void transferred(UUID job, List<Integer> lastFiles) {
		table.transfer(job, true, c -> {
			if (!lastFiles.isEmpty()) {
				completed(c, lastFiles);
			}
			if (c.job().running() && c.job().nextFile() == null) {
				recovery.forget(job);
				c.set(b -> b.state(JobState.TRANSFERRED).transferred(Instant.now()).error(null));
				c.record(Notice.Kind.JOB_TRANSFERRED, -1);
			}
			return null;
		});
		table.control().jobsChanged();
	}

	/**
	 * A transfer failed. A transient failure is tried again as {@link Recovery} says: at once if it interrupted a try
	 * that made progress, else after the job's minimum retry delay, or a back-off below it after an interruption (SPEC
	 * J8); unless the job made no progress for its no-progress timeout. A permanent failure is an ERROR.
	 *
	 * @param interrupted whether the failure is the transport's (a reset, a short body, a stall) and the try had
	 *        recorded progress before it ({@link #savedBytes}) in the failed file or the files before it
	 * @return whether the job is to be retried at once (SPEC J8): the run that had the failure may go on with it
	 *         ({@link #retryInPlace})
	 */
	public boolean failed(UUID job, JobError error, boolean transientFailure, Duration retryAfter, boolean interrupted) {
		Instant now = Instant.now();
		Optional<JobRecord> held = table.job(job);
		// decided once, outside the change, which the table may compute again
		Instant retryAt = held.isEmpty() || !transientFailure ? null
				: recovery.retryAt(job, interrupted, held.get().settings().minimumRetryDelay(), retryAfter, now);
		Boolean atOnce = table.transfer(job, true, c -> {
			JobRecord r = c.job();
			if (!r.running()) {
				return false;
			}
			boolean timedOut = !now.isBefore(r.lastProgress().plus(r.settings().noProgressTimeout()));
			if (transientFailure && !timedOut && retryAt != null) {
				Duration delay = Duration.between(now, retryAt);
				c.set(b -> b.state(JobState.TRANSIENT_ERROR).retryAt(later(now, delay)).error(error));
				return delay.isNegative() || delay.isZero();
			}
			recovery.forget(job);
			c.set(b -> b.state(JobState.ERROR).retryAt(null).error(error));
			c.record(Notice.Kind.JOB_ERROR, -1);
			return false;
		});
		boolean retry = Boolean.TRUE.equals(atOnce) && !table.shared();
		if (!retry) { // else the run goes on with it, and the scheduler has nothing to plan
			table.control().jobsChanged();
		}
		return retry;
	}

	/**
	 * An interruption retried at once (SPEC J8) goes on in the run that had it, without a trip through the queue: the
	 * job, TRANSIENT_ERROR (or QUEUED, if its retry was promoted meanwhile), is CONNECTING again. Not in a shared store,
	 * where the failure gave the claim back.
	 *
	 * @return whether the run goes on: false if the job was suspended, cancelled or completed meanwhile
	 */
	public boolean retryInPlace(UUID job) {
		if (table.shared()) {
			return false;
		}
		return change(job, JobState.TRANSIENT_ERROR, true, r -> r.state(JobState.CONNECTING).retryAt(null)) || begin(job);
	}

	/**
	 * @return the bytes of each of the job's files that are recorded (checkpoints, whole files), by index: a try's
	 *         progress (SPEC J8), which bytes received again after a failure that recorded nothing do not make
	 */
	public long[] savedBytes(UUID job) {
		return table.job(job).map(r -> r.files().stream().mapToLong(FileRecord::bytesTransferred).toArray()).orElse(new long[0]);
	}

	/** The job left the wire by its owner's will, or left the table: a later failure starts afresh (SPEC J8). */
	void forgetInterruptions(UUID job) {
		recovery.forget(job);
	}

	/**
	 * A transfer ended while its job was still CONNECTING or TRANSFERRING, because recording its outcome failed (the
	 * store was unreachable, or restarting): the job becomes a transient error, retried after {@link #ABANDONED_RETRY}
	 * or its minimum retry delay if that is shorter; the server did nothing wrong, so BITS's long delay does not apply.
	 * If the store refuses that too, the state is set in memory only (the store then still says CONNECTING, which a
	 * restart reads as QUEUED).
	 */
	public void abandoned(UUID job, JobError error) {
		try {
			table.transfer(job, true, c -> {
				JobRecord r = c.job();
				if (r.running()) {
					c.set(b -> b.state(JobState.TRANSIENT_ERROR).retryAt(later(Instant.now(), abandonedRetry(r))).error(error));
				}
				return null;
			});
			table.control().jobsChanged();
		} catch (ClaimLost e) {
			// the job is another engine's now, or ended: nothing of this engine's run is recorded
		} catch (RuntimeException e) {
			table.inMemory(job, r -> r.running()
					? r.with(b -> b.state(JobState.TRANSIENT_ERROR).error(error).retryAt(later(Instant.now(), abandonedRetry(r))))
					: r);
			table.control().jobsChanged();
		}
	}

	/**
	 * @return the failure to record a change that caused {@code t}, whatever wrapped it on the way (a sync thread, a
	 *         response subscriber): the store down or restarting, after which the transfer's run is abandoned, not
	 *         failed; or the claim lost to another engine (SPEC C3), after which it stops and writes nothing
	 */
	public static Optional<RuntimeException> recordingFailure(Throwable t) {
		for (Throwable c = t; c != null; c = c.getCause()) {
			if (c instanceof ClaimLost || c instanceof StoreException) {
				return Optional.of((RuntimeException) c);
			}
		}
		return Optional.empty();
	}

	/** How soon a transfer whose outcome could not be recorded is tried again, at most. */
	static final Duration ABANDONED_RETRY = Duration.ofSeconds(10);

	private static Duration abandonedRetry(JobRecord r) {
		Duration minimum = r.settings().minimumRetryDelay();
		return minimum.compareTo(ABANDONED_RETRY) < 0 ? minimum : ABANDONED_RETRY;
	}

	/** @return {@code now} plus a delay, however long the delay (a year at most: an overflow must not fail a job) */
	private static Instant later(Instant now, Duration delay) {
		Duration year = Duration.ofDays(366);
		return now.plus(delay.compareTo(year) > 0 ? year : delay);
	}

	/** The scheduler took the job off the wire (preempted, or its time slice ended): back to QUEUED. */
	public void yielded(UUID job) {
		table.transfer(job, true, c -> {
			if (c.job().running()) {
				c.set(b -> b.state(JobState.QUEUED));
				c.requeue(); // behind the jobs of its priority that waited (a queue engines share)
			}
			return null;
		});
	}

	private void inMemory(UUID job, int file, UnaryOperator<FileRecord> change) {
		table.inMemory(job, r -> r.with(b -> b.file(change.apply(r.files().get(file)))));
	}

	/**
	 * Applies a change if the job is in the expected state; a transfer's change under its claim (a shared store).
	 *
	 * @return whether it applied
	 */
	private boolean change(UUID job, JobState expected, boolean transfer, Consumer<JobRecord.Builder> change) {
		JobTable.Command<Boolean> command = c -> {
			boolean applies = c.job().state() == expected;
			if (applies) {
				c.set(change);
			}
			return applies;
		};
		return Boolean.TRUE.equals(transfer ? table.transfer(job, true, command) : table.report(job, true, command));
	}
}
