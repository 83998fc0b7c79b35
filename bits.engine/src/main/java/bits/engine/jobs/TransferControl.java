package bits.engine.jobs;

import java.util.UUID;

/** What the job table tells the scheduler: implemented in {@code bits.engine.transfer}. */
public interface TransferControl {
	/** Nothing is scheduled: the table alone, as in unit tests. */
	TransferControl NONE = new TransferControl() {
		@Override
		public void jobsChanged() {
		}

		@Override
		public void stopAndWait(UUID job) {
		}

		@Override
		public void stop(UUID job) {
		}
	};

	/** A job became runnable, or its priority or state changed: plan again. */
	void jobsChanged();

	/** Stops the job's transfer, if one runs, and returns once it no longer touches its files. */
	void stopAndWait(UUID job);

	/** Asks the job's transfer, if one runs, to stop, and returns at once. */
	void stop(UUID job);
}
