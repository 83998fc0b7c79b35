package bits.engine.transfer;

import java.time.Duration;

import bits.api.ErrorContext;
import bits.api.JobError;

/** A failed transfer of one file: the job's error, and whether it is transient (SPEC J5). */
final class TransferFailure extends Exception {
	private static final long serialVersionUID = 1L;

	final ErrorContext context;
	final int code;
	final boolean transientFailure;
	/** The server's Retry-After, or {@code null}. */
	final Duration retryAfter;

	private TransferFailure(ErrorContext context, int code, String description, boolean transientFailure, Duration retryAfter, Throwable cause) {
		super(description, cause);
		this.context = context;
		this.code = code;
		this.transientFailure = transientFailure;
		this.retryAfter = retryAfter;
	}

	static TransferFailure transientError(ErrorContext context, int code, String description, Duration retryAfter, Throwable cause) {
		return new TransferFailure(context, code, description, true, retryAfter, cause);
	}

	static TransferFailure fatal(ErrorContext context, int code, String description, Throwable cause) {
		return new TransferFailure(context, code, description, false, null, cause);
	}

	JobError toJobError(int file) {
		return new JobError(context, code, getMessage(), file);
	}
}
