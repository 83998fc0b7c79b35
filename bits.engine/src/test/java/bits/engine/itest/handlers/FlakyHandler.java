package bits.engine.itest.handlers;

import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Component;

import bits.api.BitsHandler;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/** A handler that throws (does not acknowledge) the first {@link #FAILURES} times it is called. */
@Component(service = TransferCallback.class)
@BitsHandler(FlakyHandler.ID)
public class FlakyHandler implements TransferCallback {
	public static final String ID = "bits.itest.flaky";
	public static final AtomicInteger FAILURES = new AtomicInteger();
	public static final AtomicInteger CALLS = new AtomicInteger();

	@Override
	public void jobTransferred(TransferJob job) {
		CALLS.incrementAndGet();
		if (FAILURES.getAndDecrement() > 0) {
			throw new IllegalStateException("not acknowledged (test)");
		}
	}
}
