package bits.engine.rest;

import bits.api.HandlerInfo;

/** A handler id the engine knows, where its bundle comes from, and the highest version the indexes offer for it. */
record HandlerDto(String id, String state, String bundle, String version, String source, String available) {
	static HandlerDto of(HandlerInfo h) {
		return new HandlerDto(h.id(), h.state().name(), h.bundle(), h.version(), h.source(), h.available());
	}
}
