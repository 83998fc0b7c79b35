package bits.engine.model;

import java.time.Instant;
import java.util.UUID;

/**
 * A terminal event as the journal keeps it for the event stream: unlike the outbox's notice it is recorded whatever
 * the job's notification flags, and it is kept after delivery and after the job, until it is older than the
 * retention.
 *
 * @param id increasing: the stream's event id
 * @param job the job
 * @param owner the job's owner, so that a caller sees only its own
 * @param kind what happened
 * @param file the file index for {@link Notice.Kind#FILE_TRANSFERRED}, else -1
 * @param time when it was recorded
 */
public record JournalEntry(long id, UUID job, String owner, Notice.Kind kind, int file, Instant time) {
}
