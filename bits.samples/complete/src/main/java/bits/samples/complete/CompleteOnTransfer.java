package bits.samples.complete;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.BitsHandler;
import bits.api.CompleteResult;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * Completes a job as soon as it is transferred, so its files appear at their destinations: the seed's JobTransferred
 * example. A job names it with {@code job.setHandlerId("bits.samples.complete")}.
 */
@Component(service = TransferCallback.class)
@BitsHandler(CompleteOnTransfer.ID)
public class CompleteOnTransfer implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.complete";

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Override
	public void jobTransferred(TransferJob job) {
		CompleteResult result = job.complete(); // a failure throws: the engine calls again later (SPEC N8)
		log.info("job {} ({}) completed: {}", job.getId(), job.getDisplayName(), result);
	}
}
