package bits.engine.jobs;

import java.util.List;

import bits.api.HandlerInfo;

/** What the job table asks about handler ids: implemented in {@code bits.engine.handler}. */
public interface HandlerCatalog {
	/** @return whether a handler the engine would use for the owner's jobs provides the id (SPEC N6) */
	boolean provides(String id, String owner);

	/** @return every handler id the engine knows */
	List<HandlerInfo> list();
}
