package bits.api;

/**
 * Where an error happened; BITS {@code BG_ERROR_CONTEXT}, with the same ordinal values.
 */
public enum ErrorContext {
	/** No error ({@code BG_ERROR_CONTEXT_NONE}). */
	NONE,
	/** The cause is unknown ({@code BG_ERROR_CONTEXT_UNKNOWN}). */
	UNKNOWN,
	/** The engine itself: store, scheduler, quotas ({@code BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER}). */
	GENERAL_QUEUE_MANAGER,
	/** Delivering a notification or activating a handler ({@code BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION}). */
	QUEUE_MANAGER_NOTIFICATION,
	/** The local file: path, permissions, disk space ({@code BG_ERROR_CONTEXT_LOCAL_FILE}). */
	LOCAL_FILE,
	/** The remote file: HTTP status, size, content ({@code BG_ERROR_CONTEXT_REMOTE_FILE}). */
	REMOTE_FILE,
	/** The network or protocol: refused, reset, timeout, TLS ({@code BG_ERROR_CONTEXT_GENERAL_TRANSPORT}). */
	GENERAL_TRANSPORT,
	/** The server application ({@code BG_ERROR_CONTEXT_REMOTE_APPLICATION}). */
	REMOTE_APPLICATION,
	/** A server certificate check ({@code BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK}). */
	SERVER_CERTIFICATE_CALLBACK
}
