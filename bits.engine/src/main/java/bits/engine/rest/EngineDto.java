package bits.engine.rest;

import java.util.List;
import java.util.Map;

/**
 * The engine: its version, its store (for the admin only), the caller's jobs per state (the queue lengths; every
 * owner's for the admin), the callbacks stuck past their timeout (every owner's), and the handlers.
 */
record EngineDto(String version, String storeDirectory, Map<String, Integer> jobs, int stuckCallbacks, List<HandlerDto> handlers) {
}
