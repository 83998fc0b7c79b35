package bits.engine.upload;

/** Why an upload session refused a request; each protocol answers it in its own terms. */
public final class SessionException extends Exception {
	private static final long serialVersionUID = 1L;

	/** What went wrong. */
	public enum Reason {
		/** No such session for this caller (never created, expired, closed, cancelled, or another caller's). */
		NOT_FOUND,
		/** The request does not start where the received bytes end: see {@link SessionException#expected()}. */
		OFFSET,
		/** The request gives a total length other than the one given before. */
		LENGTH_CHANGED,
		/** The request goes past the upload's total length. */
		BEYOND_LENGTH,
		/** The upload is larger than the endpoint takes. */
		TOO_LARGE,
		/** The request is not well formed (the detail says how). */
		BAD_REQUEST,
		/** Closed before every byte was received. */
		INCOMPLETE,
		/** The destination exists and the endpoint does not overwrite. */
		EXISTS,
		/** The caller has as many open sessions as the endpoint allows. */
		TOO_MANY,
		/** The destination name is not one the endpoint accepts. */
		BAD_NAME,
		/** The disk is full. */
		DISK_FULL,
		/** The body ended before its announced length: the bytes that came are kept. */
		INTERRUPTED,
		/** Another request to the session has held it too long (a listener that does not answer, say): try again later. */
		BUSY,
		/** The request's checksum does not match its bytes, which are not kept. */
		CHECKSUM,
		/** The session's data is gone from the disk (deleted by someone else). */
		GONE,
		/** Writing or moving the file failed. */
		IO
	}

	private final Reason reason;
	private final long expected;

	public SessionException(Reason reason, String message) {
		this(reason, message, -1);
	}

	public SessionException(Reason reason, String message, long expected) {
		super(message);
		this.reason = reason;
		this.expected = expected;
	}

	public Reason reason() {
		return reason;
	}

	/** @return the offset the session expects next, or -1 where it does not apply */
	public long expected() {
		return expected;
	}
}
