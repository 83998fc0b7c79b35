package bits.engine.jobs;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
import bits.api.JobProgress;
import bits.api.ValidationState;

/** The state of one file of a job. Guarded by the {@link JobTable}'s lock. */
final class FileRecord {
	final int index;
	final URI remote;
	final Path local;
	final Path temporary;
	long bytesTotal = JobProgress.SIZE_UNKNOWN;
	long bytesTransferred;
	boolean completed;
	ValidationState validation = ValidationState.UNKNOWN;

	FileRecord(int index, URI remote, Path local, Path temporary) {
		this.index = index;
		this.remote = remote;
		this.local = local;
		this.temporary = temporary;
	}

	FileProgress progress() {
		return new FileProgress(bytesTotal, bytesTransferred, completed);
	}
}
