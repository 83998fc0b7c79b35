package bits.engine.shell;

import java.io.PrintStream;

import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.TransferFile;
import bits.api.TransferJob;

/** The live callback of {@code bits:watch}: prints each notification on the console and acknowledges it. */
final class ConsoleCallback implements TransferCallback {
	private final PrintStream out;

	ConsoleCallback(PrintStream out) {
		this.out = out;
	}

	private void print(TransferJob job, String what) {
		out.println("bits: job " + job.getId() + " \"" + job.getDisplayName() + "\" " + what);
		out.flush();
	}

	@Override
	public void jobTransferred(TransferJob job) {
		print(job, "JOB_TRANSFERRED");
	}

	@Override
	public void jobError(TransferJob job, JobError error) {
		print(job, "JOB_ERROR " + error);
	}

	@Override
	public void jobModification(TransferJob job) {
		var p = job.getProgress();
		print(job, "JOB_MODIFICATION " + job.getState() + " " + p.bytesTransferred() + "/" + p.bytesTotal());
	}

	@Override
	public void fileTransferred(TransferJob job, TransferFile file) {
		print(job, "FILE_TRANSFERRED " + file.getIndex() + " " + file.getRemoteUri());
	}
}
