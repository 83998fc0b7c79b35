package bits.api;

/**
 * The state of a {@link TransferJob}; BITS {@code BG_JOB_STATE}, with the same ordinal values.
 * <p>
 * A new job is {@link #SUSPENDED} until {@link TransferJob#resume()}. {@link #ACKNOWLEDGED} and {@link #CANCELLED}
 * are final: every state-changing call on a job in a final state fails with {@link ErrorCodes#BG_E_INVALID_STATE}.
 */
public enum JobState {
	/** Waiting for the scheduler ({@code BG_JOB_STATE_QUEUED}). */
	QUEUED,
	/** Connecting to the server ({@code BG_JOB_STATE_CONNECTING}). */
	CONNECTING,
	/** Transferring data ({@code BG_JOB_STATE_TRANSFERRING}). */
	TRANSFERRING,
	/** Suspended by its owner, and the state of every new job ({@code BG_JOB_STATE_SUSPENDED}). */
	SUSPENDED,
	/** A fatal error; fix it and {@code resume()}, or {@code complete()} / {@code cancel()} ({@code BG_JOB_STATE_ERROR}). */
	ERROR,
	/** A recoverable error; retried after the minimum retry delay ({@code BG_JOB_STATE_TRANSIENT_ERROR}). */
	TRANSIENT_ERROR,
	/** Every file transferred; the owner must call {@code complete()} ({@code BG_JOB_STATE_TRANSFERRED}). */
	TRANSFERRED,
	/** Completed: files renamed to their destinations, job removed ({@code BG_JOB_STATE_ACKNOWLEDGED}). Final. */
	ACKNOWLEDGED,
	/** Cancelled: temporary files removed, job removed ({@code BG_JOB_STATE_CANCELLED}). Final. */
	CANCELLED;

	/** @return {@code true} for {@link #ACKNOWLEDGED} and {@link #CANCELLED}, from which no state change is legal */
	public boolean isFinal() {
		return this == ACKNOWLEDGED || this == CANCELLED;
	}
}
