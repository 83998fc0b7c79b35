package bits.engine.store;

/**
 * A write was refused because the stored job is not the one the change was computed on: another engine (sharing the
 * store) changed or ended it meanwhile. Nothing of the transaction was written; the writer reads the job again and
 * recomputes its change.
 */
public class StaleRecordException extends StoreException {
	private static final long serialVersionUID = 1L;

	public StaleRecordException(String message) {
		super(message);
	}
}
