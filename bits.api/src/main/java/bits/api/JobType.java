package bits.api;

/**
 * The kind of a {@link TransferJob}; BITS {@code BG_JOB_TYPE}, with the same ordinal values.
 * <p>
 * This release transfers {@link #DOWNLOAD} jobs only; creating an upload job fails with
 * {@link ErrorCodes#E_NOTIMPL} ("not supported yet").
 */
public enum JobType {
	/** Remote files to local files ({@code BG_JOB_TYPE_DOWNLOAD}). */
	DOWNLOAD,
	/** One local file to a server ({@code BG_JOB_TYPE_UPLOAD}). Not supported yet. */
	UPLOAD,
	/** An upload followed by the download of the server's reply ({@code BG_JOB_TYPE_UPLOAD_REPLY}). Not supported yet. */
	UPLOAD_REPLY
}
