package bits.engine.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import bits.api.JobError;
import bits.api.JobState;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;
import bits.engine.store.Notice;

/**
 * The state changes a transfer causes (SPEC J2, J5, J6), applied under the job table's lock and persisted. A
 * transfer's report about a job that was meanwhile suspended, cancelled or completed changes nothing but durable
 * progress.
 */
public final class JobTransitions {
	private final JobTable table;

	JobTransitions(JobTable table) {
		this.table = table;
	}

	/** @return the queued jobs, oldest first */
	public List<JobRow> queued() {
		List<JobRow> result = new ArrayList<>();
		synchronized (table) { // one lock for the whole scan: the scheduler runs it several times a second
			for (JobRow j : table.all()) {
				if (j.state == JobState.QUEUED) {
					result.add(j);
				}
			}
		}
		return result;
	}

	/**
	 * Moves the jobs whose retry time has come from TRANSIENT_ERROR to QUEUED.
	 *
	 * @return the next retry time of a job still waiting, or {@code null}
	 */
	public Instant promoteDueRetries(Instant now) {
		Instant next = null;
		for (JobRow j : table.all()) {
			Instant at = table.read(j, r -> r.state == JobState.TRANSIENT_ERROR ? r.retryAt : null);
			if (at == null) {
				continue;
			}
			if (!at.isAfter(now)) {
				change(j, JobState.TRANSIENT_ERROR, r -> {
					r.state = JobState.QUEUED;
					r.retryAt = null;
					return null;
				});
			} else if (next == null || at.isBefore(next)) {
				next = at;
			}
		}
		return next;
	}

	/** Jobs left CONNECTING or TRANSFERRING with no scheduler running them go back to QUEUED. */
	public void requeueOrphans() {
		for (JobRow j : table.all()) {
			yielded(j);
		}
	}

	/** QUEUED → CONNECTING; @return whether the job was queued and may now be transferred */
	public boolean begin(JobRow job) {
		return Boolean.TRUE.equals(change(job, JobState.QUEUED, r -> {
			r.state = JobState.CONNECTING;
			return true;
		}));
	}

	/** CONNECTING → TRANSFERRING, once the server answered. */
	public void transferring(JobRow job) {
		change(job, JobState.CONNECTING, r -> {
			r.state = JobState.TRANSFERRING;
			return null;
		});
	}

	/** @return whether the job is still CONNECTING or TRANSFERRING, i.e. its transfer should go on */
	public boolean isRunning(JobRow job) {
		return table.read(job, r -> r.state == JobState.CONNECTING || r.state == JobState.TRANSFERRING);
	}

	/** @return the job's first file not yet transferred, or {@code null} */
	public FileRow nextFile(JobRow job) {
		return table.read(job, JobRow::nextFile);
	}

	/**
	 * Records durable progress of a file: its data up to {@code bytes} is synced to the temporary file.
	 *
	 * @param total the file size, or -1 if unknown
	 * @param validator the remote content's validator
	 * @param completed whether the file is whole
	 */
	public void checkpoint(JobRow job, FileRow file, long bytes, long total, String validator, boolean completed) {
		synchronized (table) {
			if (job.state.isFinal()) {
				return;
			}
			boolean progressed = bytes > file.bytesTransferred || completed && !file.completed;
			table.store().transaction(() -> {
				boolean newlyCompleted = completed && !file.completed;
				table.updateFile(job, file, f -> {
					f.bytesTransferred = bytes;
					f.bytesTotal = total;
					f.validator = validator;
					f.completed = completed;
				});
				if (progressed) {
					table.update(job, r -> {
						r.lastProgress = Instant.now();
						if (newlyCompleted) {
							table.record(r, Notice.Kind.FILE_TRANSFERRED, file.index);
						}
					});
				}
			});
		}
	}

	/** The engine created the file's temporary file: its identity is stored with the next record of the file. */
	public void temporaryCreated(JobRow job, FileRow file, String key) {
		synchronized (table) {
			file.temporaryKey = key;
		}
	}

	/** A response announced the file's size: progress shows it at once; the next checkpoint stores it. */
	public void sizeAnnounced(JobRow job, FileRow file, long total) {
		synchronized (table) {
			file.bytesTotal = total;
		}
	}

	/** The server told the file's size though the transfer cannot go on (a handler may decide with it, SPEC J4). */
	public void sizeKnown(JobRow job, FileRow file, long total) {
		table.updateFile(job, file, f -> f.bytesTotal = total);
	}

	/**
	 * A small file is whole in its temporary file but not yet synced: it counts as transferred in memory, so the job
	 * moves on, and becomes durable with the next group of such files ({@link #groupCompleted}).
	 */
	public void completedUnsynced(JobRow job, FileRow file, long size, String validator) {
		synchronized (table) {
			file.bytesTotal = size;
			file.liveBytes = size;
			file.validator = validator;
			file.completed = true;
		}
	}

	/** Files whose group commit failed are not transferred after all: they will be fetched again. */
	public void uncompleted(JobRow job, List<FileRow> files) {
		synchronized (table) {
			for (FileRow f : files) {
				f.completed = false;
				f.liveBytes = f.bytesTransferred;
			}
		}
	}

	/** Records files whose data was synced as completed, in one transaction (a group commit). */
	public void groupCompleted(JobRow job, List<FileRow> files) {
		synchronized (table) {
			if (job.state.isFinal()) {
				return;
			}
			table.store().transaction(() -> {
				for (FileRow f : files) {
					table.updateFile(job, f, r -> r.bytesTransferred = r.bytesTotal);
				}
				table.update(job, r -> {
					r.lastProgress = Instant.now();
					for (FileRow f : files) {
						table.record(r, Notice.Kind.FILE_TRANSFERRED, f.index);
					}
				});
			});
		}
	}

	/** The remote content changed: the file starts again from byte 0 (SPEC J6). */
	public void restartFile(JobRow job, FileRow file) {
		synchronized (table) {
			if (!job.state.isFinal()) {
				table.updateFile(job, file, FileRow::restart);
				table.update(job, r -> r.notices.removeIf(n -> {
					boolean stale = n.kind() == Notice.Kind.FILE_TRANSFERRED && n.file() == file.index;
					if (stale) {
						table.store().deleteNotice(n.id());
					}
					return stale;
				}));
			}
		}
	}

	/** Every file is transferred: CONNECTING/TRANSFERRING → TRANSFERRED. */
	public void transferred(JobRow job) {
		change(job, null, r -> {
			if (r.nextFile() == null) {
				r.state = JobState.TRANSFERRED;
				r.transferred = Instant.now();
				r.error = null;
				table.record(r, Notice.Kind.JOB_TRANSFERRED, -1);
			}
			return null;
		});
		table.control().jobsChanged();
	}

	/**
	 * A transfer failed. A transient failure retries after the job's minimum retry delay (or the server's longer
	 * Retry-After) unless the job made no progress for its no-progress timeout; a permanent one is an ERROR.
	 */
	public void failed(JobRow job, JobError error, boolean transientFailure, Duration retryAfter) {
		change(job, null, r -> {
			Instant now = Instant.now();
			boolean timedOut = !now.isBefore(r.lastProgress.plus(r.noProgressTimeout));
			if (transientFailure && !timedOut) {
				Duration delay = retryAfter != null && retryAfter.compareTo(r.minimumRetryDelay) > 0 ? retryAfter : r.minimumRetryDelay;
				r.state = JobState.TRANSIENT_ERROR;
				r.retryAt = later(now, delay);
			} else {
				r.state = JobState.ERROR;
				r.retryAt = null;
				table.record(r, Notice.Kind.JOB_ERROR, -1);
			}
			r.error = error;
			return null;
		});
		table.control().jobsChanged();
	}

	/**
	 * A transfer ended while its job was still CONNECTING or TRANSFERRING, because recording its outcome failed: the
	 * job becomes a transient error, retried after its minimum retry delay. If the store refuses that too, the state
	 * is set in memory only (the store then still says CONNECTING, which a restart reads as QUEUED).
	 */
	public void abandoned(JobRow job, JobError error) {
		try {
			failed(job, error, true, null);
		} catch (RuntimeException e) {
			synchronized (table) {
				if (job.state == JobState.CONNECTING || job.state == JobState.TRANSFERRING) {
					job.state = JobState.TRANSIENT_ERROR;
					job.error = error;
					job.retryAt = later(Instant.now(), job.minimumRetryDelay);
				}
			}
			table.control().jobsChanged();
		}
	}

	/** @return {@code now} plus a delay, however long the delay (a year at most: an overflow must not fail a job) */
	private static Instant later(Instant now, Duration delay) {
		Duration year = Duration.ofDays(366);
		return now.plus(delay.compareTo(year) > 0 ? year : delay);
	}

	/** The scheduler took the job off the wire (preempted, or its time slice ended): back to QUEUED. */
	public void yielded(JobRow job) {
		change(job, null, r -> {
			r.state = JobState.QUEUED;
			return null;
		});
	}

	/** Reads a job under the table's lock. */
	public <T> T read(JobRow job, Function<JobRow, T> reader) {
		return table.read(job, reader);
	}

	/** Applies a change if the job is in the expected state (or running, for {@code null}). */
	private <T> T change(JobRow job, JobState expected, Function<JobRow, T> change) {
		synchronized (table) {
			boolean applies = expected == null ? job.state == JobState.CONNECTING || job.state == JobState.TRANSFERRING
					: job.state == expected;
			if (!applies) {
				return null;
			}
			Object[] result = new Object[1];
			table.update(job, r -> result[0] = change.apply(r));
			@SuppressWarnings("unchecked")
			T t = (T) result[0];
			return t;
		}
	}
}
