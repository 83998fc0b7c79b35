package bits.engine.jobs;

import java.util.Iterator;

import bits.api.JobState;
import bits.api.NotifyFlag;
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
}
