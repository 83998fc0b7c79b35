package bits.api;

/**
 * The priority of a {@link TransferJob}; BITS {@code BG_JOB_PRIORITY}, with the same ordinal values.
 * <p>
 * Foreground jobs run concurrently and are not throttled; background jobs ({@link #HIGH}, {@link #NORMAL},
 * {@link #LOW}) run by priority, a higher priority preempting a lower one, equal priorities sharing time.
 */
public enum JobPriority {
	/** Runs at once, concurrently with other foreground jobs ({@code BG_JOB_PRIORITY_FOREGROUND}). */
	FOREGROUND,
	/** Highest background priority ({@code BG_JOB_PRIORITY_HIGH}). */
	HIGH,
	/** The default priority of a new job ({@code BG_JOB_PRIORITY_NORMAL}). */
	NORMAL,
	/** Lowest background priority ({@code BG_JOB_PRIORITY_LOW}). */
	LOW;

	/** @return {@code true} for the background priorities, which are scheduled, throttled and need range support */
	public boolean isBackground() {
		return this != FOREGROUND;
	}
}
