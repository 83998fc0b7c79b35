package bits.samples.progress;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.BitsHandler;
import bits.api.JobProgress;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * The seed's JobModification example: logs a job's state and progress each time it changes. Add
 * {@code JOB_MODIFICATION} to the job's notify flags; the engine coalesces the changes (at most one per the job's
 * minimum notification interval), so this is never flooded.
 */
@Component(service = TransferCallback.class)
@BitsHandler(ProgressLogger.ID)
public class ProgressLogger implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.progress";

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Override
	public void jobModification(TransferJob job) {
		JobProgress p = job.getProgress();
		log.info("job {} ({}) is {}: {} of {} bytes, {} of {} files", job.getId(), job.getDisplayName(), job.getState(),
				p.bytesTransferred(), p.bytesTotal() < 0 ? "?" : p.bytesTotal(), p.filesTransferred(), p.filesTotal());
	}
}
