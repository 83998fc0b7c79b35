package bits.api;

import java.util.Objects;

/**
 * Credentials for a server or proxy; BITS {@code BG_AUTH_CREDENTIALS}, set with
 * {@link TransferJob#setCredentials(Credentials)}. They are stored with the job and never shown: {@link #toString()}
 * hides the password.
 *
 * @param target whom they are for
 * @param scheme how they are sent
 * @param userName the user name, at most {@value #MAX_USER_NAME} characters
 * @param password the password, at most {@value #MAX_PASSWORD} characters
 */
public record Credentials(AuthTarget target, AuthScheme scheme, String userName, String password) {
	/** The longest user name BITS accepts. */
	public static final int MAX_USER_NAME = 300;
	/** The longest password BITS accepts. */
	public static final int MAX_PASSWORD = 65535;

	/** Checks the components: none may be null, and the strings must fit BITS's limits. */
	public Credentials {
		Objects.requireNonNull(target, "target");
		Objects.requireNonNull(scheme, "scheme");
		Objects.requireNonNull(userName, "userName");
		Objects.requireNonNull(password, "password");
		if (userName.length() > MAX_USER_NAME) {
			throw new TransferException(ErrorCodes.BG_E_STRING_TOO_LONG,
					"user name is " + userName.length() + " characters, more than " + MAX_USER_NAME);
		}
		if (password.length() > MAX_PASSWORD) {
			throw new TransferException(ErrorCodes.BG_E_STRING_TOO_LONG,
					"password is longer than " + MAX_PASSWORD + " characters");
		}
	}

	@Override
	public String toString() {
		return "Credentials[" + target + ", " + scheme + ", " + userName + ", ****]";
	}
}
