package bits.engine.jobs;

import java.util.List;

import bits.api.HandlerInfo;

/** What the job table asks about handler ids: implemented in {@code bits.engine.handler}. */
public interface HandlerCatalog {
	/**
	 * @param id a handler id, perhaps with a version range ({@code ID;version=[2,3)}), already checked by
	 *        {@link InputChecks#handlerId}
	 * @return whether a handler the engine would use for the owner's jobs provides the id, in the range (SPEC N6, H8)
	 */
	boolean provides(String id, String owner);

	/** @return every handler id the engine knows, with the highest version the indexes offer for each */
	List<HandlerInfo> list();

	/**
	 * Updates the handler bundle the engine installed for the id (which may name a version range) now, as it would before
	 * the id's next notification (SPEC H7).
	 *
	 * @return the handler after the update
	 * @throws bits.api.TransferException naming why not
	 */
	HandlerInfo update(String id);

	/**
	 * Lets the catalog ask which handler ids the jobs name (SPEC H9): a bundle the engine installed that none of them
	 * needs is uninstalled after the idle time. {@code null} detaches; while detached, nothing is uninstalled.
	 */
	void attachJobs(java.util.function.Supplier<java.util.Set<String>> namedIds);
}
