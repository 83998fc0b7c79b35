package bits.api;

/** How far a handler id is from being callable, as {@link TransferManager#listHandlers()} reports it. */
public enum HandlerState {
	/** A callback service with this handler id is registered. */
	ACTIVE,
	/** A bundle providing the handler id is installed, but its service is not registered. */
	INSTALLED,
	/** Only a configured repository index provides the handler id; it will be installed on demand. */
	AVAILABLE
}
