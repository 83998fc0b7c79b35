package bits.engine.model;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
import bits.api.JobProgress;
import bits.api.ValidationState;

/**
 * The durable state of one file of a job, as the job table last committed it: immutable. A change is a new record,
 * which only the job table makes current.
 *
 * @param index the file's place in its job, from 0
 * @param temporary where its data is written until the job is completed
 * @param bytesTotal the file's size, or {@link JobProgress#SIZE_UNKNOWN}
 * @param bytesTransferred bytes known durable in the temporary file: the last checkpoint
 * @param validator the remote content's validator (an ETag, or a Last-Modified date) when the data was fetched
 * @param temporaryKey the identity (device and inode) of the temporary file the engine created, or {@code null}
 *        before it exists
 */
public record FileRecord(int index, URI remote, Path local, Path temporary, long bytesTotal, long bytesTransferred, boolean completed,
		ValidationState validation, String validator, String temporaryKey) {

	/** A file just added to its job: nothing known, nothing transferred. */
	public static FileRecord added(int index, URI remote, Path local, Path temporary) {
		return new FileRecord(index, remote, local, temporary, JobProgress.SIZE_UNKNOWN, 0, false, ValidationState.UNKNOWN, null, null);
	}

	/** @param liveBytes bytes received so far, durable or not (between checkpoints) */
	public FileProgress progress(long liveBytes) {
		return new FileProgress(bytesTotal, Math.max(bytesTransferred, liveBytes), completed);
	}

	/** A checkpoint: the data up to {@code bytes} is durable. */
	public FileRecord checkpointed(long bytes, long total, String validator, boolean completed) {
		return new FileRecord(index, remote, local, temporary, total, bytes, completed, validation, validator, temporaryKey);
	}

	/** Whole in its temporary file, not yet synced: transferred as far as the job goes on, durable at its group commit. */
	public FileRecord completedUnsynced(long size, String validator) {
		return new FileRecord(index, remote, local, temporary, size, bytesTransferred, true, validation, validator, temporaryKey);
	}

	/** Its group commit failed: not transferred after all. */
	public FileRecord uncompleted() {
		return new FileRecord(index, remote, local, temporary, bytesTotal, bytesTransferred, false, validation, validator, temporaryKey);
	}

	public FileRecord withBytesTotal(long total) {
		return new FileRecord(index, remote, local, temporary, total, bytesTransferred, completed, validation, validator, temporaryKey);
	}

	public FileRecord withTemporaryKey(String key) {
		return new FileRecord(index, remote, local, temporary, bytesTotal, bytesTransferred, completed, validation, validator, key);
	}

	public FileRecord withValidation(ValidationState state) {
		return new FileRecord(index, remote, local, temporary, bytesTotal, bytesTransferred, completed, state, validator, temporaryKey);
	}

	/** Forgets the transferred data, as when the remote content changed. */
	public FileRecord restarted() {
		return new FileRecord(index, remote, local, temporary, bytesTotal, 0, false, ValidationState.UNKNOWN, null, temporaryKey);
	}
}
