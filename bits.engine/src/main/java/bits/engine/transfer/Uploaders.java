package bits.engine.transfer;

import java.util.UUID;

import bits.api.JobType;
import bits.api.UploadProtocol;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.TusUpload;
import bits.engine.model.UploadSession;

/**
 * Picks an upload's protocol (SPEC U1, U5): the one its kept session was made with, else the job's
 * {@link UploadProtocol} (BITS, tus, or the server's answer to {@code OPTIONS}); an upload-reply job speaks BITS, which
 * alone has replies.
 */
final class Uploaders {
	private final JobTransitions transitions;
	private final BitsUploader bits;
	private final TusUploader tus;

	Uploaders(JobTransitions transitions, BitsUploader bits, TusUploader tus) {
		this.transitions = transitions;
		this.bits = bits;
		this.tus = tus;
	}

	void upload(UUID job, FileRecord file, JobRun run, Throttle throttle) throws TransferFailure, Stopped, InterruptedException {
		JobRecord record = transitions.job(job).orElseThrow(Stopped::new);
		String kept = transitions.file(job, file.index()).validator();
		boolean useTus;
		if (TusUpload.of(kept).isPresent() || UploadSession.of(kept).isPresent()) {
			useTus = TusUpload.of(kept).isPresent();
		} else if (record.type() == JobType.UPLOAD_REPLY) {
			useTus = false;
		} else {
			useTus = switch (record.settings().uploadProtocol()) {
			case BITS -> false;
			case TUS -> true;
			case DISCOVER -> tus.spokenAt(job, file, run);
			};
		}
		if (useTus) {
			tus.upload(job, file, run, throttle);
		} else {
			bits.upload(job, file, run, throttle);
		}
	}

	/** {@code complete()}: Close-Session for BITS; nothing for tus, whose upload is whole at the server at its last byte. */
	void close(JobRecord job) {
		if (job.files().isEmpty() || TusUpload.of(job.files().get(0).validator()).isEmpty()) {
			bits.close(job);
		}
	}

	/** {@code cancel()}: Cancel-Session, or tus's termination, in the background. */
	void cancel(JobRecord job) {
		if (!job.files().isEmpty() && TusUpload.of(job.files().get(0).validator()).isPresent()) {
			tus.cancel(job);
		} else {
			bits.cancel(job);
		}
	}
}
