package bits.engine.jobs;

/**
 * The callbacks that outlived the callback timeout and have not returned (SPEC N10): their slots were given back, their
 * threads are still held. The engine's page and API show the count, so that a plugin that hangs is seen.
 */
public interface StuckCallbacks {
	/** @return how many callback threads are stuck now, over every owner */
	int count();
}
