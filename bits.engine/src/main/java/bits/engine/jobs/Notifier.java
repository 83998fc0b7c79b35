package bits.engine.jobs;

import bits.engine.model.JobRecord;

/** What the job table tells the notification dispatcher: implemented in {@code bits.engine.notify}. */
public interface Notifier {
	/** Nobody listens, as in unit tests. */
	Notifier NONE = job -> {
	};

	/**
	 * The job changed: its state, progress, properties, or its pending notifications. Called once the change is
	 * durable, for one change at a time in the order they were committed, on the thread that made it or on another
	 * that made a later one: it must not block.
	 *
	 * @param job the job as the change left it (final when the change ended it)
	 */
	void jobChanged(JobRecord job);
}
