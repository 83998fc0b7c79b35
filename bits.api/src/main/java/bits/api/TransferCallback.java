package bits.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a job tells its owner; BITS {@code IBackgroundCopyCallback} with {@code IBackgroundCopyCallback2}'s
 * {@code FileTransferred}. Plugin authors implement only the methods they need; the others return normally, which
 * means "acknowledged" ({@code S_OK}).
 * <p>
 * A method that throws has not acknowledged the notification: for {@link #jobTransferred}, {@link #jobError} and
 * {@link #fileTransferred} the engine calls it again later, with back-off, until it returns normally or the job
 * leaves the state that caused it (SPEC N8). Delivery is at least once: be idempotent. For one job, calls are never
 * concurrent and never re-entered; a callback may call the job's methods, such as {@link TransferJob#complete()}.
 * <p>
 * There are two ways to receive callbacks (SPEC N2): a live object set with
 * {@link TransferJob#setNotifyCallback(TransferCallback)} (not persisted), and a persistent handler id set with
 * {@link TransferJob#setHandlerId(String)}, naming a DS component of this type that carries
 * {@link BitsHandler @BitsHandler}.
 */
@ConsumerType
public interface TransferCallback {
	/** The service property, and the capability namespace and attribute, that carry a handler id (SPEC H1). */
	String HANDLER_PROPERTY = "bits.handler";

	/**
	 * Every file of the job is transferred ({@link NotifyFlag#JOB_TRANSFERRED}); BITS {@code JobTransferred}. Call
	 * {@link TransferJob#complete()} to make the files appear at their destinations.
	 *
	 * @param job the job, in {@link JobState#TRANSFERRED}
	 * @throws Exception not acknowledged: the engine calls again later
	 */
	default void jobTransferred(TransferJob job) throws Exception {
	}

	/**
	 * The job went to {@link JobState#ERROR} ({@link NotifyFlag#JOB_ERROR}); BITS {@code JobError}. A transient error
	 * is not reported here but as a modification.
	 *
	 * @param job the job, in {@link JobState#ERROR}
	 * @param error the error
	 * @throws Exception not acknowledged: the engine calls again later
	 */
	default void jobError(TransferJob job, JobError error) throws Exception {
	}

	/**
	 * The job's state or progress changed ({@link NotifyFlag#JOB_MODIFICATION}); BITS {@code JobModification}.
	 * Coalesced: at most one pending per job, carrying the latest state; never redelivered.
	 *
	 * @param job the job
	 * @throws Exception logged; a modification notification is not redelivered
	 */
	default void jobModification(TransferJob job) throws Exception {
	}

	/**
	 * One file of the job is transferred ({@link NotifyFlag#FILE_TRANSFERRED}); BITS {@code FileTransferred}. The data
	 * is in {@link TransferFile#getTemporaryPath()}; {@link TransferFile#setValidationState(boolean)} may judge it.
	 *
	 * @param job the job
	 * @param file the transferred file
	 * @throws Exception not acknowledged: the engine calls again later
	 */
	default void fileTransferred(TransferJob job, TransferFile file) throws Exception {
	}
}
