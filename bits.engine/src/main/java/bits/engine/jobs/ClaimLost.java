package bits.engine.jobs;

/**
 * A transfer reported under a claim that is no longer its job's (SPEC C3): another engine took the job over, or its
 * owner suspended or cancelled it there. Nothing was written; the transfer stops and renames nothing.
 */
public class ClaimLost extends RuntimeException {
	private static final long serialVersionUID = 1L;

	public ClaimLost(String message) {
		super(message);
	}
}
