package bits.engine.transfer;

import bits.engine.jobs.JobTransitions;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/** Picks the transport for a file's scheme and gives it the file's temporary file. */
final class Transports {
	private final JobTransitions transitions;
	private final HttpDownloader http;
	private final FileCopier files;
	private final Throttle background;

	Transports(JobTransitions transitions, HttpDownloader http, FileCopier files, Throttle background) {
		this.transitions = transitions;
		this.http = http;
		this.files = files;
		this.background = background;
	}

	void transfer(JobRow job, FileRow file, JobRun run) throws TransferFailure, Stopped, InterruptedException {
		Throttle throttle = run.priority.isBackground() ? background : Throttle.UNLIMITED;
		try (DataSink sink = new DataSink(transitions, job, file, throttle, run)) {
			if (file.remote.getScheme().equals("file")) {
				files.copy(job, file, sink);
			} else {
				http.download(job, file, run, sink);
			}
		}
	}
}
