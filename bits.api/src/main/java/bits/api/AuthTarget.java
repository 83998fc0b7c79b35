package bits.api;

/** Whom credentials are for; BITS {@code BG_AUTH_TARGET}. */
public enum AuthTarget {
	/** The server of the remote files ({@code BG_AUTH_TARGET_SERVER}). */
	SERVER,
	/** The proxy ({@code BG_AUTH_TARGET_PROXY}). */
	PROXY
}
