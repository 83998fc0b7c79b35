package bits.engine.transfer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

import org.osgi.service.log.Logger;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobType;
import bits.engine.jobs.ClaimLost;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/**
 * One turn of a job on the wire: its files in order until done, failed, or stopped by the scheduler. A FOREGROUND run
 * fetches a few files ahead of the one in turn, each in a request of its own beside the others (a job of many small
 * files is not one request at a time); a file fetched ahead waits for its turn to complete, so files still complete,
 * are recorded and are notified in order (SPEC N12), and its failure counts only when its turn comes. A job with a
 * maximum download size fetches one file at a time: the limit counts its files as their sizes become known.
 */
final class JobRun implements Runnable {
	/** Why the scheduler stops a run. */
	enum Stop {
		/** The job was suspended, cancelled or completed: its state is already set. */
		HALT,
		/** Preempted by a higher priority, or its time slice ended: back to the queue. */
		YIELD
	}

	/** The job's id: a run reports by it, and reads the job's current record through the transitions. */
	final UUID job;
	final JobPriority priority;
	final JobType type;
	final long startedNanos = System.nanoTime();
	private final Transports transports;
	private final JobTransitions transitions;
	private final Scheduler scheduler;
	private final Logger log;
	private volatile Stop stop;
	/** The run is ending (its file in turn failed or stopped): files fetched ahead stop too. */
	private volatile boolean ending;
	private final GroupCommit group;
	/** How many files to fetch ahead of the one in turn; 0: one at a time. */
	private final int ahead;
	private final Executor fetchers;
	/** The files fetched ahead, by index; only the run's own thread touches it. */
	private final Map<Integer, Future<Void>> fetching = new HashMap<>();
	/** Signalled when a file completed, or the run ends: a file fetched ahead may complete when its turn comes. */
	private final Object turns = new Object();
	/** Held while a file completes: the next file's turn comes during its completion, which must end first. */
	private final Object completing = new Object();

	JobRun(UUID job, JobPriority priority, JobType type, Transports transports, JobTransitions transitions, Scheduler scheduler, Logger log, int ahead,
			Executor fetchers) {
		this.job = job;
		this.priority = priority;
		this.type = type;
		this.transports = transports;
		this.transitions = transitions;
		this.scheduler = scheduler;
		this.log = log;
		this.group = transports.groupCommit(job);
		this.ahead = ahead;
		this.fetchers = fetchers;
	}

	GroupCommit group() {
		return group;
	}

	void stop(Stop reason) {
		if (stop == null || reason == Stop.HALT) {
			stop = reason;
		}
		synchronized (turns) {
			turns.notifyAll();
		}
	}

	/** @return whether the run's transfers should stop: the scheduler asked, or the run is ending */
	boolean stopRequested() {
		return stop != null || ending;
	}

	/** What completes a file: it may fail as a transfer does. */
	interface Completion {
		void run() throws TransferFailure;
	}

	/**
	 * Completes a file in its turn: once it is the job's first not yet transferred, and never beside another file's
	 * completion (whose record is what makes the next file's turn come). A file fetched ahead so completes, is recorded
	 * and is notified in order (SPEC N12).
	 *
	 * @throws Stopped if the run stops before the file's turn
	 */
	void inTurn(int index, Completion completion) throws TransferFailure, Stopped, InterruptedException {
		synchronized (turns) {
			while (true) {
				FileRecord first = transitions.nextFile(job);
				if (first == null || first.index() >= index) {
					break;
				}
				if (stopRequested()) {
					throw new Stopped();
				}
				turns.wait(100); // signalled when a file completed and at a stop; the timeout only guards against a lost signal
			}
		}
		try {
			synchronized (completing) {
				completion.run();
			}
		} finally {
			synchronized (turns) {
				turns.notifyAll();
			}
		}
	}

	/** Keeps the small files already whole when the run ends early. */
	private void commitQuietly() {
		try {
			group.commit();
		} catch (ClaimLost e) {
			log.debug("job {}: not synced, the job is another engine's now: {}", job, e.getMessage());
		} catch (TransferFailure | RuntimeException e) {
			log.warn("job {}: completed files could not be synced; they will be fetched again: {}", job, e.getMessage());
		}
	}

	@Override
	public void run() {
		try {
			turn();
		} catch (ClaimLost e) {
			// another engine took the job over, or its owner stopped it there (SPEC C3, C6): nothing more is written
			log.warn("job {}: this engine stops its transfer: {}", job, e.getMessage());
		} catch (RuntimeException e) {
			log.error("job {}: recording the outcome of its transfer failed", job, e);
		} finally {
			// whatever failed above, even the store, the job is never left CONNECTING or TRANSFERRING with nothing
			// running it: it becomes a transient error and is retried
			if (transitions.isRunning(job)) {
				transitions.abandoned(job, new JobError(ErrorContext.GENERAL_QUEUE_MANAGER, ErrorCodes.E_CONNECTION_ERROR,
						"the transfer ended without recording its outcome (see the log); it is retried", JobError.NO_FILE));
			}
			scheduler.finished(this);
		}
	}

	/**
	 * @return whether the try recorded progress in the file that failed or a file before it: files fetched ahead do not
	 *         count, a failing file is not retried at once because files after it moved (SPEC J8)
	 */
	private static boolean progressed(long[] before, long[] now, int failed) {
		for (int i = 0; i <= failed && i < now.length; i++) {
			if (now[i] > (i < before.length ? before[i] : 0)) {
				return true;
			}
		}
		return false;
	}

	/** Starts fetching the files after the one in turn, up to {@link #ahead} of them, each not yet fetching. */
	private void fetchAhead(int inTurn) {
		if (ahead == 0) {
			return;
		}
		JobRecord record = transitions.job(job).orElse(null);
		if (record == null || record.settings().maxDownloadSize() > 0) {
			return; // a job's size limit counts its files as they become known: one at a time (RequestSettings)
		}
		int started = 0;
		for (int i = inTurn + 1; i < record.files().size() && started < ahead; i++) {
			FileRecord f = record.files().get(i);
			if (f.completed()) {
				continue;
			}
			started++;
			if (!fetching.containsKey(i)) {
				FutureTask<Void> task = new FutureTask<>(() -> {
					if (stopRequested()) {
						throw new Stopped();
					}
					transports.transfer(job, f, this);
					return null;
				});
				try {
					fetchers.execute(task);
				} catch (RejectedExecutionException e) {
					return; // the engine is stopping: the files come in turn, if at all
				}
				fetching.put(i, task);
			}
		}
	}

	/** The outcome of a file fetched ahead, now that its turn came: as if it had been transferred in turn. */
	private static void outcome(Future<Void> fetched) throws TransferFailure, Stopped, InterruptedException {
		try {
			fetched.get();
		} catch (ExecutionException e) {
			Throwable cause = e.getCause();
			if (cause instanceof TransferFailure f) {
				throw f;
			}
			if (cause instanceof Stopped s) {
				throw s;
			}
			if (cause instanceof RuntimeException r) {
				throw r;
			}
			if (cause instanceof Error r) {
				throw r;
			}
			throw new IllegalStateException(cause);
		}
	}

	/** Stops the files still fetched ahead and waits until they let go of their files. */
	private void endFetches() {
		if (fetching.isEmpty()) {
			return;
		}
		ending = true;
		synchronized (turns) {
			turns.notifyAll();
		}
		boolean interrupted = false;
		for (Future<Void> f : fetching.values()) {
			while (true) {
				try {
					f.get();
					break;
				} catch (ExecutionException e) {
					break; // stopped, or failed: its turn never comes in this run
				} catch (InterruptedException e) {
					interrupted = true;
				}
			}
		}
		fetching.clear();
		ending = false; // every fetch ahead ended: a retry in place fetches anew
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	/** The job's tries in this run: the first, and those of interruptions retried at once (SPEC J8). */
	private void turn() {
		boolean again = attempt(true);
		while (again && !stopRequested() && transitions.retryInPlace(job)) {
			again = attempt(false);
		}
	}

	/** @return whether the try was interrupted and is to be retried at once, in this run */
	private boolean attempt(boolean first) {
		int index = JobError.NO_FILE;
		long[] savedAtStart = transitions.savedBytes(job);
		try {
			if (first && !transitions.begin(job)) {
				return false;
			}
			try {
				FileRecord file;
				while ((file = transitions.nextFile(job)) != null) {
					if (stopRequested() || !transitions.isRunning(job)) {
						throw new Stopped();
					}
					index = file.index();
					fetchAhead(file.index());
					Future<Void> fetched = fetching.get(index);
					if (fetched == null) {
						transports.transfer(job, file, this);
					} else {
						outcome(fetched);
						fetching.remove(index); // only now: endFetches waits for it otherwise
					}
				}
			} finally {
				endFetches(); // before the outcome is recorded: nothing of this run writes after it
			}
			group.commitTransferred(); // every file durable before TRANSFERRED
		} catch (Stopped s) {
			commitQuietly();
			if (stop == Stop.YIELD) {
				transitions.yielded(job);
			}
		} catch (TransferFailure f) {
			if (f.context != ErrorContext.LOCAL_FILE) {
				commitQuietly();
			} else {
				group.abandon(); // the disk failed: the files not yet synced are fetched again
			}
			log.debug("job {} file {}: {}", job, index, f.getMessage());
			boolean interrupted = f.context == ErrorContext.GENERAL_TRANSPORT && progressed(savedAtStart, transitions.savedBytes(job), index);
			return transitions.failed(job, f.toJobError(index), f.transientFailure, f.retryAfter, interrupted);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			group.abandon();
			transitions.yielded(job);
		} catch (RuntimeException e) {
			// a lost claim's group record is refused too: nothing of this run is written after the run ends
			group.abandon();
			Optional<RuntimeException> unrecorded = JobTransitions.recordingFailure(e);
			if (unrecorded.isPresent()) {
				if (unrecorded.get() != e) {
					log.debug("job {}: its record failed, as this reached the run", job, e);
				}
				throw unrecorded.get(); // not the transfer's fault: abandoned and retried soon, or stopped (run)
			}
			log.error("job {}: transfer failed unexpectedly", job, e);
			return transitions.failed(job, new JobError(ErrorContext.GENERAL_QUEUE_MANAGER, ErrorCodes.E_CONNECTION_ERROR,
					"internal error: " + e, index), true, null, false);
		}
		return false;
	}
}
