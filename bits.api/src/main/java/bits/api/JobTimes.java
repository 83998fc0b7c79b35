package bits.api;

import java.time.Instant;
import java.util.Optional;

/**
 * When a job was created, last modified and transferred; BITS {@code BG_JOB_TIMES}.
 *
 * @param creation when the job was created
 * @param modification when the job or its state last changed
 * @param transferCompletion when the job reached {@link JobState#TRANSFERRED}, or {@code null} before that
 */
public record JobTimes(Instant creation, Instant modification, Instant transferCompletion) {
	/** @return when the job reached {@link JobState#TRANSFERRED}, if it has */
	public Optional<Instant> transferred() {
		return Optional.ofNullable(transferCompletion);
	}
}
