package bits.samples.rangefallback;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.BitsHandler;
import bits.api.ErrorCodes;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * The seed's JobError example: a background job fails when its server ignores range requests (a background transfer
 * must be resumable). If the job's size is known and at most 2 GiB, it is switched to FOREGROUND, which downloads in
 * one piece, and resumed; otherwise it is left in error with a log line.
 */
@Component(service = TransferCallback.class)
@BitsHandler(RangeFallback.ID)
public class RangeFallback implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.rangefallback";
	/** The largest job downloaded in one piece. */
	static final long LIMIT = 2L << 30;

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Override
	public void jobError(TransferJob job, JobError error) {
		if (error.code() != ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT) {
			return;
		}
		long total = job.getProgress().bytesTotal();
		if (total < 0 || total > LIMIT) {
			log.warn("job {} ({}): its server does not support ranges and its size ({}) is {}; left in error",
					job.getId(), job.getDisplayName(), total < 0 ? "unknown" : total, total < 0 ? "unknown" : "over 2 GiB");
			return;
		}
		job.setPriority(JobPriority.FOREGROUND);
		job.resume();
		log.info("job {} ({}): no range support; resumed in the foreground ({} bytes)", job.getId(), job.getDisplayName(), total);
	}
}
