package bits.api;

/**
 * The kind of a {@link TransferJob}; BITS {@code BG_JOB_TYPE}, with the same ordinal values.
 * <p>
 * Every type is transferred; uploads speak the BITS upload protocol.
 */
public enum JobType {
	/** Remote files to local files ({@code BG_JOB_TYPE_DOWNLOAD}). */
	DOWNLOAD,
	/**
	 * One local file to a server ({@code BG_JOB_TYPE_UPLOAD}), with the BITS upload protocol: the upload resumes where
	 * the server's received bytes end, after any interruption or restart; {@link TransferJob#complete()} closes the
	 * upload on the server, which only then puts the file in place. The local file must lie under the engine's
	 * configured file roots ({@code file.roots}).
	 */
	UPLOAD,
	/**
	 * An upload followed by the download of the server's reply ({@code BG_JOB_TYPE_UPLOAD_REPLY}): the job is
	 * TRANSFERRED once the reply is whole; {@link TransferJob#getReplyData()} reads it, and
	 * {@link TransferJob#complete()} closes the upload and puts the reply in its file
	 * ({@link TransferJob#getReplyFileName()}).
	 */
	UPLOAD_REPLY
}
