package bits.engine.store;

/**
 * A transfer's write was refused because its claim is no longer the job's (SPEC C3): the job was taken over, or
 * claimed again, after this engine's lease expired. Nothing of the transaction was written; the transfer stops and
 * renames nothing.
 */
public class FencedException extends StoreException {
	private static final long serialVersionUID = 1L;

	public FencedException(String message) {
		super(message);
	}
}
