package bits.engine.handler;

import bits.api.ErrorCodes;

/** A handler id could not be turned into a callback; the message says why, for the job and the log (SPEC H6). */
public final class HandlerException extends Exception {
	private static final long serialVersionUID = 1L;
	private final int code;

	HandlerException(int code, String message) {
		super(message);
		this.code = code;
	}

	static HandlerException notFound(String id) {
		return new HandlerException(ErrorCodes.HANDLER_NOT_FOUND,
				"handler " + id + ": no handler service, no installed bundle and no configured repository provides it");
	}

	static HandlerException failed(String id, String why) {
		return new HandlerException(ErrorCodes.HANDLER_ACTIVATION_FAILED, "handler " + id + ": " + why);
	}

	/** @return {@link ErrorCodes#HANDLER_NOT_FOUND} or {@link ErrorCodes#HANDLER_ACTIVATION_FAILED} */
	public int code() {
		return code;
	}
}
