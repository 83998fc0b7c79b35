package bits.engine.jobs;

import bits.engine.store.JobRow;

/** What the job table tells the notification dispatcher: implemented in {@code bits.engine.notify}. */
public interface Notifier {
	/** Nobody listens, as in unit tests. */
	Notifier NONE = job -> {
	};

	/** The job changed: its state, progress, flags, or its pending notifications. */
	void jobChanged(JobRow job);
}
