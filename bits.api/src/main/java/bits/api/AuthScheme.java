package bits.api;

/**
 * An authentication scheme; BITS {@code BG_AUTH_SCHEME}. This release authenticates with {@link #BASIC} only;
 * setting another scheme fails with {@link ErrorCodes#E_NOTIMPL}.
 */
public enum AuthScheme {
	/** HTTP Basic ({@code BG_AUTH_SCHEME_BASIC}); send it over HTTPS only. */
	BASIC,
	/** HTTP Digest ({@code BG_AUTH_SCHEME_DIGEST}). Not supported yet. */
	DIGEST,
	/** NTLM ({@code BG_AUTH_SCHEME_NTLM}). Not supported yet. */
	NTLM,
	/** Negotiate ({@code BG_AUTH_SCHEME_NEGOTIATE}). Not supported yet. */
	NEGOTIATE
}
