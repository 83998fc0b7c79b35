package bits.engine.store;

import java.util.Optional;

/** The store could not be opened, read or written. */
public class StoreException extends RuntimeException {
	private static final long serialVersionUID = 1L;

	public StoreException(String message) {
		super(message);
	}

	public StoreException(String message, Throwable cause) {
		super(message, cause);
	}

	/** @return the store's failure that caused {@code t}, whatever wrapped it on the way (a sync thread, a subscriber) */
	public static Optional<StoreException> causing(Throwable t) {
		for (Throwable c = t; c != null; c = c.getCause()) {
			if (c instanceof StoreException s) {
				return Optional.of(s);
			}
		}
		return Optional.empty();
	}
}
