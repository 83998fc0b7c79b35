package bits.engine.jobs;

import java.util.concurrent.CopyOnWriteArrayList;

import bits.engine.model.JobRecord;

/** Every attached notifier, told of each change in turn. */
final class Notifiers extends CopyOnWriteArrayList<Notifier> implements Notifier {
	private static final long serialVersionUID = 1L;

	@Override
	public void jobChanged(JobRecord job) {
		for (Notifier n : this) {
			n.jobChanged(job);
		}
	}
}
