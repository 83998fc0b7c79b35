package bits.api;

/**
 * Whose jobs a {@link TransferManager} call sees; BITS {@code IBackgroundCopyManager::EnumJobs} flags.
 */
public enum JobScope {
	/** The jobs of the calling bundle only (BITS's default enumeration). */
	OWNER,
	/**
	 * Every owner's jobs: the admin view ({@code BG_JOB_ENUM_ALL_USERS}). Only administrators may use it: the engine
	 * itself and the bundles whose symbolic names the engine's configuration lists in {@code admin.bundles}; any other
	 * bundle gets {@link ErrorCodes#E_ACCESSDENIED}. Through this view an administrator may change, cancel or complete
	 * any owner's job.
	 */
	ALL_OWNERS
}
