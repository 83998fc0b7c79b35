package bits.engine.itest.handlers;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import bits.api.BitsHandler;
import bits.api.TransferCallback;

/** A handler whose component cannot activate: the engine must say so from SCR's DTOs (SPEC H6). */
@Component(service = TransferCallback.class)
@BitsHandler(BrokenHandler.ID)
public class BrokenHandler implements TransferCallback {
	public static final String ID = "bits.itest.broken";

	@Activate
	void activate() {
		throw new IllegalStateException("broken on purpose (test)");
	}
}
