package bits.engine.jobs;

import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.engine.model.JobRecord;
import bits.engine.model.Notice;

/**
 * What is notified, in one place (SPEC N1, N7, N8, N11): which terminal events go to the outbox, which pending ones
 * are stale, what a new live callback is told again, and whether a change is a modification worth a callback. The job
 * table applies it when it records a change; the dispatcher asks it before each modification call.
 */
public final class NotificationPolicy {
	private NotificationPolicy() {
	}

	/** @return whether the job's flags want the terminal event in the outbox (N1) */
	static boolean wanted(JobRecord job, Notice.Kind kind) {
		if (job.settings().notifyFlags().contains(NotifyFlag.DISABLE)) {
			return false;
		}
		return job.settings().notifyFlags().contains(switch (kind) {
		case JOB_TRANSFERRED -> NotifyFlag.JOB_TRANSFERRED;
		case JOB_ERROR -> NotifyFlag.JOB_ERROR;
		case FILE_TRANSFERRED -> NotifyFlag.FILE_TRANSFERRED;
		});
	}

	/**
	 * @return whether a pending notification is redelivered no more (N8): the job left the state it announced, or its
	 *         file is no longer transferred (the remote content changed)
	 */
	static boolean stale(JobRecord job, Notice n) {
		return switch (n.kind()) {
		case JOB_TRANSFERRED -> job.state() != JobState.TRANSFERRED;
		case JOB_ERROR -> job.state() != JobState.ERROR;
		case FILE_TRANSFERRED -> n.file() >= job.files().size() || !job.files().get(n.file()).completed();
		};
	}

	/**
	 * @return what a newly set live callback is notified again, though an earlier one may have been (N7: "you will
	 *         receive another notification"), or {@code null}
	 */
	static Notice.Kind repeatedFor(JobRecord job) {
		Notice.Kind terminal = job.state() == JobState.TRANSFERRED ? Notice.Kind.JOB_TRANSFERRED
				: job.state() == JobState.ERROR ? Notice.Kind.JOB_ERROR : null;
		return terminal != null && job.notices().stream().noneMatch(n -> n.kind() == terminal) ? terminal : null;
	}

	/**
	 * @return whether the job, as it is now, wants a modification callback (N11): it asked for them, and is in no state
	 *         a terminal notification (or none at all) speaks for
	 */
	public static boolean modificationWanted(JobRecord job) {
		return job.settings().notifyFlags().contains(NotifyFlag.JOB_MODIFICATION)
				&& !job.settings().notifyFlags().contains(NotifyFlag.DISABLE) && switch (job.state()) {
				case TRANSFERRED, ERROR, ACKNOWLEDGED, CANCELLED -> false;
				default -> true;
				};
	}

	/** @return the pending notification to deliver next, in the order of the events, or {@code null} */
	public static Notice next(JobRecord job) {
		return job.notices().isEmpty() ? null : job.notices().get(0);
	}
}
