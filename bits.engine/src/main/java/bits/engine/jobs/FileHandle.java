package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_INVALID_STATE;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
import bits.api.TransferException;
import bits.api.TransferFile;
import bits.api.ValidationState;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/** A caller's view of one file of a job. */
final class FileHandle implements TransferFile {
	private final JobTable table;
	private final JobRow job;
	private final FileRow file;

	FileHandle(JobTable table, JobRow job, FileRow file) {
		this.table = table;
		this.job = job;
		this.file = file;
	}

	@Override
	public int getIndex() {
		return file.index;
	}

	@Override
	public URI getRemoteUri() {
		return file.remote;
	}

	@Override
	public Path getLocalPath() {
		return file.local;
	}

	@Override
	public Path getTemporaryPath() {
		return file.temporary;
	}

	@Override
	public FileProgress getProgress() {
		return table.read(job, j -> file.progress());
	}

	@Override
	public ValidationState getValidationState() {
		return table.read(job, j -> file.validation);
	}

	@Override
	public void setValidationState(boolean valid) {
		table.updateFile(job, file, f -> {
			if (!f.completed) {
				throw new TransferException(BG_E_INVALID_STATE, "file " + f.index + " of job " + job.id + " is not transferred yet");
			}
			f.validation = valid ? ValidationState.VALID : ValidationState.INVALID;
		});
	}

	@Override
	public String toString() {
		return "file " + file.index + " " + file.remote + " -> " + file.local;
	}
}
