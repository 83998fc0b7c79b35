package bits.engine.transfer;

import java.util.UUID;
import java.util.concurrent.Executor;

import bits.api.JobType;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;

/** Picks the transport for a file's scheme and gives it the file's temporary file. */
final class Transports {
	private final JobTransitions transitions;
	private final HttpDownloader http;
	private final Uploaders uploads;
	private final FileCopier files;
	private final Throttle background;
	private final Executor syncer;

	/** @param syncer runs the checkpoints' syncs beside the transfers */
	Transports(JobTransitions transitions, HttpDownloader http, Uploaders uploads, FileCopier files, Throttle background, Executor syncer) {
		this.syncer = syncer;
		this.uploads = uploads;
		this.transitions = transitions;
		this.http = http;
		this.files = files;
		this.background = background;
	}

	/** @return the URI to fetch: a fragment is the client's (a validator's digest, say) and never sent to a server */
	static java.net.URI withoutFragment(java.net.URI uri) {
		String fragment = uri.getRawFragment();
		if (fragment == null) {
			return uri;
		}
		String s = uri.toString();
		return java.net.URI.create(s.substring(0, s.length() - fragment.length() - 1));
	}

	Uploaders uploads() {
		return uploads;
	}

	GroupCommit groupCommit(UUID job) {
		return new GroupCommit(transitions, job, syncer);
	}

	void transfer(UUID job, FileRecord file, JobRun run) throws TransferFailure, Stopped, InterruptedException {
		Throttle throttle = run.priority.isBackground() ? background : Throttle.UNLIMITED;
		if (run.type != JobType.DOWNLOAD) {
			uploads.upload(job, file, run, throttle); // the local file is read, not written: no temporary file
			return;
		}
		try (DataSink sink = new DataSink(transitions, job, file, throttle, run, syncer)) {
			if (file.remote().getScheme().equals("file")) {
				files.copy(job, file, sink, run.group());
			} else {
				http.download(job, file, run, sink);
			}
		}
	}
}
