package bits.engine.rest;

import bits.api.JobType;
import bits.api.TransferJob;

/** An upload-reply job's reply (SPEC U2): where complete() puts it, its length (-1 while unknown) and the bytes received. */
record ReplyDto(String file, long bytesTotal, long bytesTransferred, boolean completed) {
	/** @return the job's reply, or {@code null} for a job that has none */
	static ReplyDto of(TransferJob j) {
		if (j.getType() != JobType.UPLOAD_REPLY) {
			return null;
		}
		var p = j.getReplyProgress();
		return new ReplyDto(j.getReplyFileName().map(Object::toString).orElse(null), p.bytesTotal(), p.bytesTransferred(), p.completed());
	}
}
