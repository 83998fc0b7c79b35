package bits.api;

import java.util.Objects;
import java.util.Optional;

/**
 * The error of a job in {@link JobState#ERROR} or {@link JobState#TRANSIENT_ERROR}; BITS
 * {@code IBackgroundCopyError} ({@code GetError}, {@code GetFile}, {@code GetErrorDescription}).
 *
 * @param context where the error happened
 * @param code the error code: {@code 0x80190000 + status} for HTTP, a {@code BG_E_*} value from {@link ErrorCodes}
 *        otherwise
 * @param description a human description of the error
 * @param file the index of the file it concerns in {@link TransferJob#getFiles()}, or -1 if it concerns the job
 */
public record JobError(ErrorContext context, int code, String description, int file) {
	/** The value of {@link #file()} for an error that concerns no single file. */
	public static final int NO_FILE = -1;

	/** Checks the components. */
	public JobError {
		Objects.requireNonNull(context, "context");
		Objects.requireNonNull(description, "description");
		if (file < NO_FILE) {
			throw new IllegalArgumentException("file index " + file);
		}
	}

	/** @return the index of the file the error concerns, if it concerns one */
	public Optional<Integer> fileIndex() {
		return file == NO_FILE ? Optional.empty() : Optional.of(file);
	}

	@Override
	public String toString() {
		return context + " " + ErrorCodes.hex(code) + ": " + description + (file == NO_FILE ? "" : " (file " + file + ")");
	}
}
