package bits.api;

/**
 * What a job does when a server redirects it; BITS {@code BG_HTTP_REDIRECT_POLICY_*} and
 * {@code BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP}. Redirects are followed up to an engine-wide limit.
 */
public enum RedirectPolicy {
	/** Follow redirects, but refuse one from {@code https} to {@code http} (the default). */
	ALLOW,
	/** Follow redirects, including from {@code https} to {@code http}. */
	ALLOW_HTTPS_TO_HTTP,
	/** Fail the job on a redirect. */
	DISALLOW
}
