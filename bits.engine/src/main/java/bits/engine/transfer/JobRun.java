package bits.engine.transfer;

import java.util.UUID;

import org.osgi.service.log.Logger;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.engine.jobs.ClaimLost;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;

/** One turn of a job on the wire: its files in order until done, failed, or stopped by the scheduler. */
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
	final long startedNanos = System.nanoTime();
	private final Transports transports;
	private final JobTransitions transitions;
	private final Scheduler scheduler;
	private final Logger log;
	private volatile Stop stop;
	private final GroupCommit group;

	JobRun(UUID job, JobPriority priority, Transports transports, JobTransitions transitions, Scheduler scheduler, Logger log) {
		this.job = job;
		this.priority = priority;
		this.transports = transports;
		this.transitions = transitions;
		this.scheduler = scheduler;
		this.log = log;
		this.group = transports.groupCommit(job);
	}

	GroupCommit group() {
		return group;
	}

	void stop(Stop reason) {
		if (stop == null || reason == Stop.HALT) {
			stop = reason;
		}
	}

	boolean stopRequested() {
		return stop != null;
	}

	/** Keeps the small files already whole when the run ends early. */
	private void commitQuietly() {
		try {
			group.commit();
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

	private void turn() {
		int index = JobError.NO_FILE;
		long savedAtStart = transitions.savedBytes(job);
		try {
			if (!transitions.begin(job)) {
				return;
			}
			FileRecord file;
			while ((file = transitions.nextFile(job)) != null) {
				if (stopRequested() || !transitions.isRunning(job)) {
					throw new Stopped();
				}
				index = file.index();
				transports.transfer(job, file, this);
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
			}
			log.debug("job {} file {}: {}", job, index, f.getMessage());
			boolean interrupted = f.context == ErrorContext.GENERAL_TRANSPORT && transitions.savedBytes(job) > savedAtStart;
			transitions.failed(job, f.toJobError(index), f.transientFailure, f.retryAfter, interrupted);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			transitions.yielded(job);
		} catch (ClaimLost e) {
			throw e;
		} catch (RuntimeException e) {
			if (JobTransitions.recordingFailure(e).isPresent()) {
				throw e; // not the transfer's fault: abandoned, and retried soon (run)
			}
			log.error("job {}: transfer failed unexpectedly", job, e);
			transitions.failed(job, new JobError(ErrorContext.GENERAL_QUEUE_MANAGER, ErrorCodes.E_CONNECTION_ERROR,
					"internal error: " + e, index), true, null, false);
		}
	}
}
