package bits.engine.itest.handlers;

import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import bits.api.BitsHandler;
import bits.api.TransferCallback;

/** A delayed handler no job names: tracking it must not activate it (SPEC H2). */
@Component(service = TransferCallback.class)
@BitsHandler(LazyHandler.ID)
public class LazyHandler implements TransferCallback {
	public static final String ID = "bits.itest.lazy";
	public static final AtomicInteger ACTIVATIONS = new AtomicInteger();

	@Activate
	void activate() {
		ACTIVATIONS.incrementAndGet();
	}
}
