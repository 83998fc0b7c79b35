package bits.engine.rest;

import bits.api.HandlerInfo;

/** A handler id the engine knows, and where its bundle comes from. */
record HandlerDto(String id, String state, String bundle, String version, String source) {
	static HandlerDto of(HandlerInfo h) {
		return new HandlerDto(h.id(), h.state().name(), h.bundle(), h.version(), h.source());
	}
}
