package bits.samples.logging;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.BitsHandler;
import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.TransferFile;
import bits.api.TransferJob;

/**
 * The smallest handler: logs every notification it receives. A job names it with
 * {@code job.setHandlerId("bits.samples.logging")}; the engine installs this bundle from the samples index when the
 * job needs it.
 */
@Component(service = TransferCallback.class)
@BitsHandler(LoggingHandler.ID)
public class LoggingHandler implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.logging";

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Override
	public void jobTransferred(TransferJob job) {
		log.info("job {} ({}) transferred: {}", job.getId(), job.getDisplayName(), job.getProgress());
	}

	@Override
	public void jobError(TransferJob job, JobError error) {
		log.warn("job {} ({}) failed: {}", job.getId(), job.getDisplayName(), error);
	}

	@Override
	public void jobModification(TransferJob job) {
		log.debug("job {} is {}: {}", job.getId(), job.getState(), job.getProgress());
	}

	@Override
	public void fileTransferred(TransferJob job, TransferFile file) {
		log.info("job {}: file {} transferred to {}", job.getId(), file.getRemoteUri(), file.getTemporaryPath());
	}
}
