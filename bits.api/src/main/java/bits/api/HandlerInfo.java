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
 */
public record HandlerInfo(String id, HandlerState state, String bundle, String version, String source) {
}
