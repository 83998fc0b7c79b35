package bits.engine.rest;

import static bits.api.ErrorCodes.BG_E_EMPTY;
import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.BG_E_TOO_MANY_JOBS_PER_MACHINE;
import static bits.api.ErrorCodes.BG_E_TOO_MANY_JOBS_PER_USER;
import static bits.api.ErrorCodes.E_ACCESSDENIED;

import bits.api.TransferException;

/** A refused request: the HTTP status and the BITS code it is answered with. */
final class ApiException extends RuntimeException {
	private static final long serialVersionUID = 1L;
	final int status;
	final int code;

	ApiException(int status, int code, String message) {
		super(message);
		this.status = status;
		this.code = code;
	}

	/** The status of an engine error: unknown job 404, wrong state 409, not allowed 403, any other bad input 400. */
	static ApiException of(TransferException e) {
		int status = switch (e.getCode()) {
		case BG_E_NOT_FOUND -> 404;
		case BG_E_INVALID_STATE, BG_E_EMPTY, BG_E_TOO_MANY_JOBS_PER_USER, BG_E_TOO_MANY_JOBS_PER_MACHINE -> 409;
		case E_ACCESSDENIED -> 403;
		default -> 400;
		};
		return new ApiException(status, e.getCode(), e.getMessage());
	}
}
