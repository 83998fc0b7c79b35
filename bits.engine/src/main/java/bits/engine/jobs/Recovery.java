package bits.engine.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a job whose transfer failed transiently is tried again (SPEC J8, beyond BITS): at once if the transfer made
 * progress before it was interrupted (a reset, a short body, a stall); then, while the tries after it make none, after
 * 1 s, 2 s, 4 s... up to the job's minimum retry delay. A failure that made no progress and follows no interruption
 * waits the minimum retry delay, as in BITS. A server's longer Retry-After is honoured either way.
 * <p>
 * The steps are this engine's memory: after a restart, or on another engine of a shared store, a job starts again
 * with BITS's delay, the cautious end.
 */
final class Recovery {
	static final Duration FIRST_BACK_OFF = Duration.ofSeconds(1);

	/** Per job recovering from an interruption: how many tries since made no progress. */
	private final Map<UUID, Integer> failedSince = new ConcurrentHashMap<>();

	/**
	 * @param progressed whether the failure interrupted a try that had recorded progress
	 * @param minimum the job's minimum retry delay
	 * @param retryAfter the server's Retry-After, or {@code null}
	 * @return when the job is tried again
	 */
	Instant retryAt(UUID job, boolean progressed, Duration minimum, Duration retryAfter, Instant now) {
		Duration delay;
		if (progressed) {
			failedSince.put(job, 0);
			delay = Duration.ZERO;
		} else {
			Integer step = failedSince.computeIfPresent(job, (id, n) -> n + 1);
			delay = step == null ? minimum : backOff(step, minimum);
			if (delay.equals(minimum)) {
				failedSince.remove(job); // at the cap the back-off is BITS's delay: nothing left to remember (a job cancelled now)
			}
		}
		if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
			delay = retryAfter;
		}
		return now.plus(delay);
	}

	/** 1 s for the first try after an interruption that fails too, doubling with each one, at most {@code minimum}. */
	private static Duration backOff(int step, Duration minimum) {
		Duration d = FIRST_BACK_OFF.multipliedBy(1L << Math.min(step - 1, 30));
		return d.compareTo(minimum) < 0 ? d : minimum;
	}

	/** The job transferred, failed for good, or left: its next failure starts afresh. */
	void forget(UUID job) {
		failedSince.remove(job);
	}
}
