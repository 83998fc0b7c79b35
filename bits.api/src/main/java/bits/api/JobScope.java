package bits.api;

/**
 * Whose jobs a {@link TransferManager} call sees; BITS {@code IBackgroundCopyManager::EnumJobs} flags.
 */
public enum JobScope {
	/** The jobs of the calling bundle only (BITS's default enumeration). */
	OWNER,
	/** Every owner's jobs: the admin view ({@code BG_JOB_ENUM_ALL_USERS}). */
	ALL_OWNERS
}
