package bits.engine.jobs;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bytes received so far of each file being transferred, durable or not: what progress shows between checkpoints.
 * Written at every write of a transfer, so kept apart from the records and never persisted.
 */
final class LiveBytes {
	private final Map<UUID, Map<Integer, Long>> bytes = new ConcurrentHashMap<>();

	void set(UUID job, int file, long n) {
		bytes.computeIfAbsent(job, k -> new ConcurrentHashMap<>()).put(file, n);
	}

	/** @return the bytes received of the file, 0 if none since the engine started or its last reset */
	long get(UUID job, int file) {
		Map<Integer, Long> files = bytes.get(job);
		Long n = files == null ? null : files.get(file);
		return n == null ? 0 : n;
	}

	/** @return the job's files with bytes received, by index: a live view */
	Map<Integer, Long> of(UUID job) {
		return bytes.getOrDefault(job, Map.of());
	}

	void reset(UUID job, int file) {
		Map<Integer, Long> files = bytes.get(job);
		if (files != null) {
			files.remove(file);
		}
	}

	void forget(UUID job) {
		bytes.remove(job);
	}
}
