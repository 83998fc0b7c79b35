package bits.engine.transfer;

/** A transfer stopped on request (suspend, cancel, complete, preemption, shutdown) after a checkpoint. */
final class Stopped extends Exception {
	private static final long serialVersionUID = 1L;

	Stopped() {
		super("stopped", null, false, false);
	}
}
