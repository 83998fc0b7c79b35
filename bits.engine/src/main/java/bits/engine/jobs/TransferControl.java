package bits.engine.jobs;

import java.util.UUID;

import bits.api.TransferException;
import bits.engine.model.JobRecord;

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

		@Override
		public void closeUpload(JobRecord job) {
			throw new TransferException(bits.api.ErrorCodes.E_NOTIMPL, "no transfers in this engine: upload " + job.id() + " cannot be closed");
		}

		@Override
		public void cancelUpload(JobRecord job) {
		}
	};

	/** A job became runnable, or its priority or state changed: plan again. */
	void jobsChanged();

	/** Stops the job's transfer, if one runs, and returns once it no longer touches its files. */
	void stopAndWait(UUID job);

	/** Asks the job's transfer, if one runs, to stop, and returns at once. */
	void stop(UUID job);

	/**
	 * Closes an upload job's session on its server (BITS Close-Session), which puts the file in place there: what
	 * {@code complete()} does for an upload. Returns once the server acknowledged it.
	 *
	 * @throws TransferException if the server did not: the job stays as it was
	 */
	void closeUpload(JobRecord job) throws TransferException;

	/** Cancels an upload job's session on its server (BITS Cancel-Session), in the background; a failure is only logged. */
	void cancelUpload(JobRecord job);
}
