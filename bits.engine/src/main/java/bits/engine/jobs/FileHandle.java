package bits.engine.jobs;

import java.net.URI;
import java.nio.file.Path;

import bits.api.FileProgress;
import bits.api.TransferFile;
import bits.api.ValidationState;
import bits.engine.model.FileRecord;

/** A caller's view of one file of a job: reads the job's current record. */
final class FileHandle implements TransferFile {
	private final JobTable table;
	private final JobSlot job;
	private final int index;

	FileHandle(JobTable table, JobSlot job, int index) {
		this.table = table;
		this.job = job;
		this.index = index;
	}

	private FileRecord file() {
		return job.record().files().get(index);
	}

	@Override
	public int getIndex() {
		return index;
	}

	@Override
	public URI getRemoteUri() {
		return file().remote();
	}

	@Override
	public Path getLocalPath() {
		return file().local();
	}

	@Override
	public Path getTemporaryPath() {
		return file().temporary();
	}

	@Override
	public FileProgress getProgress() {
		return file().progress(table.live().get(job.record().id(), index));
	}

	@Override
	public ValidationState getValidationState() {
		return file().validation();
	}

	@Override
	public void setValidationState(boolean valid) {
		table.validate(job, index, valid);
	}

	@Override
	public String toString() {
		FileRecord f = file();
		return "file " + index + " " + f.remote() + " -> " + f.local();
	}
}
