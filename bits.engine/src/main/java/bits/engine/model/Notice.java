package bits.engine.model;

import java.util.UUID;

/**
 * A terminal notification waiting in the outbox (SPEC N7, N8): recorded in the same transaction as the state change
 * that causes it, removed when a callback acknowledged it or the job left that state.
 *
 * @param id its outbox row, in the order of the events
 * @param job the job
 * @param kind what happened
 * @param file the file index for {@link Kind#FILE_TRANSFERRED}, else -1
 */
public record Notice(long id, UUID job, Kind kind, int file) {
	/** The durable kinds of notification; modifications are never stored (SPEC N11). */
	public enum Kind {
		JOB_TRANSFERRED, JOB_ERROR, FILE_TRANSFERRED
	}
}
