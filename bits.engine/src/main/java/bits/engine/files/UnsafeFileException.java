package bits.engine.files;

import java.io.IOException;

/** A name the engine would write, rename or delete holds something it did not create (a link, a swapped file). */
public final class UnsafeFileException extends IOException {
	private static final long serialVersionUID = 1L;

	public UnsafeFileException(String message) {
		super(message);
	}
}
