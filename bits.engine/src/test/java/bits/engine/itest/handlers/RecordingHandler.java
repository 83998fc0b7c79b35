package bits.engine.itest.handlers;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import bits.api.BitsHandler;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/** A handler of the test bundle that records the jobs it is told about, and its own activations. */
@Component(service = TransferCallback.class)
@BitsHandler(RecordingHandler.ID)
public class RecordingHandler implements TransferCallback {
	public static final String ID = "bits.itest.recording";
	public static final List<String> CALLS = new CopyOnWriteArrayList<>();
	public static final AtomicInteger ACTIVATIONS = new AtomicInteger();
	public static final AtomicInteger DEACTIVATIONS = new AtomicInteger();

	@Activate
	void activate() {
		ACTIVATIONS.incrementAndGet();
	}

	@Deactivate
	void deactivate() {
		DEACTIVATIONS.incrementAndGet();
	}

	@Override
	public void jobTransferred(TransferJob job) {
		CALLS.add(job.getDisplayName());
	}
}
