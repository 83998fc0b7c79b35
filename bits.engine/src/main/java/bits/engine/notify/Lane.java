package bits.engine.notify;

import java.util.concurrent.ScheduledFuture;

import java.util.UUID;

/** The notification state of one job: at most one callback in flight, retries, and the coalesced modification. */
final class Lane {
	final UUID job;
	final String owner;
	/** A callback of this job is running: never two at once, never re-entered (SPEC N9). */
	boolean busy;
	/** A modification happened since the last modification notification (SPEC N11). */
	volatile boolean modification;
	long lastModificationNanos = Long.MIN_VALUE / 2;
	/** Failed attempts at the first pending notice, for the back-off (SPEC N8). */
	int attempts;
	long retryAtNanos;
	ScheduledFuture<?> wakeup;

	Lane(UUID job, String owner) {
		this.job = job;
		this.owner = owner;
	}
}
