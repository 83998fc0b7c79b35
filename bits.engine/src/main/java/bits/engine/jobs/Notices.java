package bits.engine.jobs;

import java.util.Iterator;

import org.osgi.framework.Bundle;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.ValidationState;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;
import bits.engine.store.Notice;
import bits.engine.store.Store;

/** The outbox rules (SPEC N1, N7, N8), applied inside the job table's transactions. */
final class Notices {
	private Notices() {
	}

	static boolean wanted(JobRow job, Notice.Kind kind) {
		if (job.notifyFlags.contains(NotifyFlag.DISABLE)) {
			return false;
		}
		return job.notifyFlags.contains(switch (kind) {
		case JOB_TRANSFERRED -> NotifyFlag.JOB_TRANSFERRED;
		case JOB_ERROR -> NotifyFlag.JOB_ERROR;
		case FILE_TRANSFERRED -> NotifyFlag.FILE_TRANSFERRED;
		});
	}

	static void record(Store store, JobRow job, Notice.Kind kind, int file) {
		if (wanted(job, kind)) {
			job.notices.add(store.insertNotice(job.id, kind, file));
		}
	}

	/** Drops the terminal notifications of a state the job has left: it is redelivered no more (SPEC N8). */
	static void settle(Store store, JobRow job) {
		for (Iterator<Notice> i = job.notices.iterator(); i.hasNext();) {
			Notice n = i.next();
			boolean stale = n.kind() == Notice.Kind.JOB_TRANSFERRED && job.state != JobState.TRANSFERRED
					|| n.kind() == Notice.Kind.JOB_ERROR && job.state != JobState.ERROR;
			if (stale) {
				store.deleteNotice(n.id());
				i.remove();
			}
		}
	}

	/**
	 * Sets or clears a job's live callback (SPEC N3, N4). A job that is TRANSFERRED or in ERROR notifies the new
	 * callback again, even if an earlier one was notified (SPEC N7: "you will receive another notification").
	 */
	static void setCallback(JobTable table, JobRow job, TransferCallback callback, Bundle caller) {
		synchronized (table) {
			JobTable.checkNotFinal(job);
			table.callbacks().set(job.id, callback, caller);
			Notice.Kind terminal = job.state == JobState.TRANSFERRED ? Notice.Kind.JOB_TRANSFERRED
					: job.state == JobState.ERROR ? Notice.Kind.JOB_ERROR : null;
			if (callback != null && terminal != null && job.notices.stream().noneMatch(n -> n.kind() == terminal)) {
				table.store().transaction(() -> record(table.store(), job, terminal, -1)); // a repeat: not a new event
			}
		}
	}

	/** A callback judged a transferred file (SPEC N12): invalid fails the job with BG_E_VALIDATION_FAILED. */
	static void validate(JobTable table, JobRow job, FileRow file, boolean valid) {
		table.update(job, j -> {
			if (!file.completed) {
				throw new TransferException(ErrorCodes.BG_E_INVALID_STATE, "file " + file.index + " of job " + j.id + " is not transferred yet");
			}
			file.validation = valid ? ValidationState.VALID : ValidationState.INVALID;
			table.store().updateFile(j, file);
			if (!valid) {
				j.state = JobState.ERROR;
				j.retryAt = null;
				j.error = new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_VALIDATION_FAILED,
						"file " + file.index + " (" + file.remote + ") was marked invalid by a callback", file.index);
				table.record(j, Notice.Kind.JOB_ERROR, -1);
			}
		});
	}
}
