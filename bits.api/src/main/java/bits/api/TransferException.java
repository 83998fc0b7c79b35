package bits.api;

/**
 * The failure of a call on the bits API, carrying a BITS-style error code from {@link ErrorCodes}
 * (the analogue of a failing HRESULT). A call that throws it has changed nothing.
 */
public class TransferException extends RuntimeException {
	private static final long serialVersionUID = 1L;

	private final int code;

	/**
	 * @param code a code from {@link ErrorCodes}
	 * @param message what went wrong, naming the offending argument or state
	 */
	public TransferException(int code, String message) {
		super(message);
		this.code = code;
	}

	/**
	 * @param code a code from {@link ErrorCodes}
	 * @param message what went wrong
	 * @param cause the underlying failure
	 */
	public TransferException(int code, String message, Throwable cause) {
		super(message, cause);
		this.code = code;
	}

	/** @return the error code, one of {@link ErrorCodes} */
	public int getCode() {
		return code;
	}

	@Override
	public String toString() {
		return "TransferException[" + ErrorCodes.hex(code) + "]: " + getMessage();
	}
}
