package bits.engine.store;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
import bits.api.JobProgress;
import bits.api.ValidationState;

/** The durable state of one file of a job: a row of table {@code file}. */
public final class FileRow {
	public final int index;
	public final URI remote;
	public final Path local;
	public final Path temporary;
	public long bytesTotal = JobProgress.SIZE_UNKNOWN;
	/** Bytes known durable in the temporary file: the last checkpoint. */
	public long bytesTransferred;
	public boolean completed;
	public ValidationState validation = ValidationState.UNKNOWN;
	/** Bytes received so far, durable or not: what progress shows between checkpoints. Not persisted. */
	public volatile long liveBytes;
	/** The remote content's validator (an ETag, or a Last-Modified date) when the data was fetched. */
	public String validator;
	/** The identity (device and inode) of the temporary file the engine created, or {@code null} before it exists. */
	public String temporaryKey;

	public FileRow(int index, URI remote, Path local, Path temporary) {
		this.index = index;
		this.remote = remote;
		this.local = local;
		this.temporary = temporary;
	}

	public FileProgress progress() {
		return new FileProgress(bytesTotal, Math.max(bytesTransferred, liveBytes), completed);
	}

	/** Forgets the transferred data, as when the remote content changed (SPEC J6). */
	public void restart() {
		bytesTransferred = 0;
		liveBytes = 0;
		completed = false;
		validator = null;
		validation = ValidationState.UNKNOWN;
	}
}
