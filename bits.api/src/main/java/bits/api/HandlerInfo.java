package bits.api;

/**
 * A handler id known to the engine: the analogue of a registered COM class in BITS's
 * {@code BITS_JOB_PROPERTY_NOTIFICATION_CLSID} model.
 *
 * @param id the handler id
 * @param state how far it is from being callable
 * @param bundle the symbolic name of the providing bundle
 * @param version the version of the providing bundle
 * @param source where the bundle comes from: its install location, or the repository index that lists it
 * @param available the highest version of a bundle providing the id that the configured repository indexes offer, or
 *        {@code null} if none does; a bundle the engine installed is updated to it before the id's next notification
 * @since 1.2
 */
public record HandlerInfo(String id, HandlerState state, String bundle, String version, String source, String available) {
	/** A handler id without what the indexes offer for it. */
	public HandlerInfo(String id, HandlerState state, String bundle, String version, String source) {
		this(id, state, bundle, version, source, null);
	}
}
