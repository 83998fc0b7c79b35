package bits.api;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The bits manager service: creates, finds and lists transfer jobs; BITS {@code IBackgroundCopyManager}.
 * <p>
 * The engine registers it with bundle scope: each bundle gets its own instance, and the jobs it creates are owned by
 * that bundle (by its symbolic name, {@link #getOwner()}). A bundle sees only its own jobs unless it asks for
 * {@link JobScope#ALL_OWNERS}, the admin view, which only privileged bundles may use: the engine itself and the bundles
 * whose symbolic names the engine's configuration lists as administrators ({@code admin.bundles}). Every method throws {@link TransferException} on bad input, naming
 * the problem, and then has changed nothing.
 */
@ProviderType
public interface TransferManager {
	/** The longest display name, in characters ({@code BG_E_STRING_TOO_LONG} beyond). */
	int MAX_DISPLAY_NAME = 256;
	/** The longest description, in characters ({@code BG_E_STRING_TOO_LONG} beyond). */
	int MAX_DESCRIPTION = 1024;

	/**
	 * Creates a download job in {@link JobState#SUSPENDED}; BITS {@code CreateJob(name, BG_JOB_TYPE_DOWNLOAD)}.
	 *
	 * @param displayName a name for people, at most {@value #MAX_DISPLAY_NAME} characters; not unique
	 * @return the new job, owned by the calling bundle
	 * @throws TransferException {@link ErrorCodes#E_INVALIDARG} for a null name,
	 *         {@link ErrorCodes#BG_E_STRING_TOO_LONG}, or a quota code when the owner or engine has too many jobs
	 */
	default TransferJob createJob(String displayName) {
		return createJob(displayName, JobType.DOWNLOAD);
	}

	/**
	 * Creates a job of the given type in {@link JobState#SUSPENDED}; BITS {@code CreateJob}.
	 *
	 * @param displayName a name for people, at most {@value #MAX_DISPLAY_NAME} characters; not unique
	 * @param type the job type; only {@link JobType#DOWNLOAD} is supported in this release
	 * @return the new job, owned by the calling bundle
	 * @throws TransferException as {@link #createJob(String)}, and {@link ErrorCodes#E_NOTIMPL} for upload types
	 */
	TransferJob createJob(String displayName, JobType type);

	/**
	 * Creates a job with its files and properties in one durable call: {@code setup} is given the new job and calls its
	 * setters, {@link TransferJob#addFiles} (or {@code addFile}, once) and {@link TransferJob#resume}; when it returns,
	 * the job is stored with all of it in one commit, which is durable when this method returns; before that commit
	 * nobody sees the job. Each call in {@code setup}
	 * refuses bad input at once, as it does on a job that exists; if one throws, or {@code setup} does, the exception
	 * leaves this method and no job was created. The calls of concurrent callers are committed together, so that
	 * thousands of jobs a second can be created and queued.
	 * <p>
	 * Inside {@code setup} the job's getters show it as it was created (SUSPENDED, no files, BITS's defaults), not yet
	 * what {@code setup} set, and the files {@code addFiles} returns there can be read only once the job is created;
	 * {@code suspend}, {@code cancel}, {@code complete} and {@code setNotifyCallback} throw
	 * {@link IllegalStateException} there: set a live callback on the returned job.
	 *
	 * @param displayName a name for people, at most {@value #MAX_DISPLAY_NAME} characters; not unique
	 * @param type the job type; only {@link JobType#DOWNLOAD} is supported in this release
	 * @param setup the calls that make the job what it should be, for example
	 *        {@code job -> { job.addFiles(files); job.setPriority(JobPriority.FOREGROUND); job.resume(); }}
	 * @return the new job, as stored, owned by the calling bundle
	 * @throws TransferException as {@link #createJob(String, JobType)}, or as the call in {@code setup} that refused;
	 *         {@link ErrorCodes#E_INVALIDARG} if a destination became another job's meanwhile
	 * @since 1.3
	 */
	TransferJob createJob(String displayName, JobType type, Consumer<TransferJob> setup);

	/**
	 * Finds one of the caller's jobs; BITS {@code GetJob}.
	 *
	 * @param id the job id
	 * @return the job
	 * @throws TransferException {@link ErrorCodes#BG_E_NOT_FOUND} if the caller owns no job with that id
	 */
	default TransferJob getJob(UUID id) {
		return getJob(id, JobScope.OWNER);
	}

	/**
	 * Finds a job in the given scope.
	 *
	 * @param id the job id
	 * @param scope {@link JobScope#ALL_OWNERS} for the admin view
	 * @return the job
	 * @throws TransferException {@link ErrorCodes#BG_E_NOT_FOUND} if there is no such job in the scope;
	 *         {@link ErrorCodes#E_ACCESSDENIED} for {@link JobScope#ALL_OWNERS} if the caller is not an administrator
	 */
	TransferJob getJob(UUID id, JobScope scope);

	/**
	 * Lists the caller's jobs that are not in a final state, oldest first; BITS {@code EnumJobs(0)}.
	 *
	 * @return the caller's jobs
	 */
	default List<TransferJob> listJobs() {
		return listJobs(JobScope.OWNER);
	}

	/**
	 * Lists the jobs in the given scope that are not in a final state, oldest first.
	 *
	 * @param scope {@link JobScope#ALL_OWNERS} for every owner's jobs ({@code BG_JOB_ENUM_ALL_USERS})
	 * @return the jobs
	 * @throws TransferException {@link ErrorCodes#E_ACCESSDENIED} for {@link JobScope#ALL_OWNERS} if the caller is not an
	 *         administrator
	 */
	List<TransferJob> listJobs(JobScope scope);

	/**
	 * Lists the handler ids the engine knows: those of registered handler services, of installed bundles and of the
	 * configured repository indexes.
	 *
	 * @return the handlers, by id
	 */
	List<HandlerInfo> listHandlers();

	/**
	 * Updates, now, the handler bundle the engine installed for a handler id to what the configured repository indexes
	 * offer: a higher version, or the same version rebuilt (another SHA-256). The engine does this by itself before
	 * the id's next notification; this call does not wait for one and reads the indexes again first. Like the
	 * automatic update, it waits until no callback of the bundle is running and lets none start meanwhile; pending
	 * notifications are delivered afterwards, by the new version. Bundles the engine did not install are never
	 * updated.
	 *
	 * @param handlerId the handler id, optionally with a version range ({@code ID;version=[2,3)}) that the update must
	 *        stay in
	 * @return the handler after the update (unchanged if it was up to date)
	 * @throws TransferException {@link ErrorCodes#E_ACCESSDENIED} if the caller is not an administrator;
	 *         {@link ErrorCodes#HANDLER_NOT_FOUND} if the engine installed no bundle for the id;
	 *         {@link ErrorCodes#HANDLER_ACTIVATION_FAILED} if the update failed (the bundle is left as it was)
	 * @since 1.2
	 */
	HandlerInfo updateHandler(String handlerId);

	/** @return the owner of the jobs this manager creates: the calling bundle's symbolic name */
	String getOwner();
}
