package bits.engine.jobs;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
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
		table.validate(job, file, valid);
	}

	@Override
	public String toString() {
		return "file " + file.index + " " + file.remote + " -> " + file.local;
	}
}
