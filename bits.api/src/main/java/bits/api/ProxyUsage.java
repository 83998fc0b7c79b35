package bits.api;

/** How a job reaches its servers; BITS {@code BG_JOB_PROXY_USAGE}. */
public enum ProxyUsage {
	/** The system's settings: the JVM's default {@code ProxySelector} ({@code BG_JOB_PROXY_USAGE_PRECONFIG}). */
	PRECONFIG,
	/** Direct connections ({@code BG_JOB_PROXY_USAGE_NO_PROXY}). */
	NO_PROXY,
	/** The proxies and bypass list given in {@link ProxySettings} ({@code BG_JOB_PROXY_USAGE_OVERRIDE}). */
	OVERRIDE
}
