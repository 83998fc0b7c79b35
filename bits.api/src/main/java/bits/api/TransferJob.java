package bits.api;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A transfer job: an ordered list of files transferred as one unit; BITS {@code IBackgroundCopyJob} (with the
 * properties of {@code IBackgroundCopyJob2} to {@code 5} and {@code IBackgroundCopyJobHttpOptions}).
 * <p>
 * Every method reads or changes the job's durable state in the engine. Calls that fail throw
 * {@link TransferException} and change nothing; state-changing calls on a job in a final state fail with
 * {@link ErrorCodes#BG_E_INVALID_STATE}.
 */
@ProviderType
public interface TransferJob {
	/** The default minimum retry delay, 600 s, like BITS. */
	Duration DEFAULT_MINIMUM_RETRY_DELAY = Duration.ofSeconds(600);
	/** The smallest minimum retry delay, 5 s; smaller values are raised to it, like BITS. */
	Duration MINIMUM_RETRY_DELAY_FLOOR = Duration.ofSeconds(5);
	/** The default no-progress timeout, 14 days, like BITS. */
	Duration DEFAULT_NO_PROGRESS_TIMEOUT = Duration.ofDays(14);
	/** The default minimum notification interval, 500 ms, like BITS's {@code MINIMUM_NOTIFICATION_INTERVAL_MS}. */
	Duration DEFAULT_MINIMUM_NOTIFICATION_INTERVAL = Duration.ofMillis(500);

	// --- identity and status -------------------------------------------------------------------------------

	/** @return the job id; BITS {@code GetId} */
	UUID getId();

	/** @return the owner: the symbolic name of the bundle that created the job; BITS {@code GetOwner} */
	String getOwner();

	/** @return the job type; BITS {@code GetType} */
	JobType getType();

	/** @return the current state; BITS {@code GetState} */
	JobState getState();

	/** @return the progress over all files; BITS {@code GetProgress} */
	JobProgress getProgress();

	/** @return creation, modification and transfer-completion times; BITS {@code GetTimes} */
	JobTimes getTimes();

	/**
	 * @return the error, present in {@link JobState#ERROR} and {@link JobState#TRANSIENT_ERROR}; BITS
	 *         {@code GetError}
	 */
	Optional<JobError> getError();

	/**
	 * @return the last failure to deliver a notification (a callback threw or timed out, a handler could not be
	 *         provisioned), with context {@link ErrorContext#QUEUE_MANAGER_NOTIFICATION}; empty once a notification was
	 *         delivered
	 */
	Optional<JobError> getNotificationError();

	// --- files -----------------------------------------------------------------------------------------------

	/** @return the files, in transfer order; BITS {@code EnumFiles} */
	List<TransferFile> getFiles();

	/**
	 * Adds a file; BITS {@code AddFile}.
	 *
	 * @param remote an absolute {@code http}, {@code https} or {@code file} URI
	 * @param local an absolute destination path without {@code ..} segments, not the destination of another file
	 * @return the new file
	 * @throws TransferException {@link ErrorCodes#E_INVALIDARG} naming the bad argument,
	 *         {@link ErrorCodes#BG_E_TOO_MANY_FILES_IN_JOB}, or {@link ErrorCodes#BG_E_INVALID_STATE} unless the job is
	 *         suspended or in an error state
	 */
	TransferFile addFile(URI remote, Path local);

	/**
	 * Adds several files, all or none; BITS {@code AddFileSet}.
	 *
	 * @param files the files, in transfer order
	 * @return the new files
	 * @throws TransferException as {@link #addFile(URI, Path)}; nothing is added then
	 */
	List<TransferFile> addFiles(List<FileSpec> files);

	// --- state changes ---------------------------------------------------------------------------------------

	/**
	 * Queues the job for transfer, or re-arms it after an error; BITS {@code Resume}. A no-op in the action states.
	 *
	 * @throws TransferException {@link ErrorCodes#BG_E_EMPTY} if the job has no files (it stays suspended)
	 */
	void resume();

	/** Stops the job where it is until {@link #resume()}; BITS {@code Suspend}. */
	void suspend();

	/** Ends the job, deleting its temporary files; the job becomes {@link JobState#CANCELLED}. BITS {@code Cancel}. */
	void cancel();

	/**
	 * Ends the job, moving each fully transferred file to its destination by an atomic rename; the job becomes
	 * {@link JobState#ACKNOWLEDGED}. BITS {@code Complete}.
	 *
	 * @return {@link CompleteResult#PARTIAL_COMPLETE} if some files were not transferred and were discarded
	 */
	CompleteResult complete();

	// --- properties ------------------------------------------------------------------------------------------

	/** @return the display name; BITS {@code GetDisplayName} */
	String getDisplayName();

	/** @param name the display name, at most {@value TransferManager#MAX_DISPLAY_NAME} characters; BITS {@code SetDisplayName} */
	void setDisplayName(String name);

	/** @return the description, empty by default; BITS {@code GetDescription} */
	String getDescription();

	/** @param description at most {@value TransferManager#MAX_DESCRIPTION} characters; BITS {@code SetDescription} */
	void setDescription(String description);

	/** @return the priority, {@link JobPriority#NORMAL} by default; BITS {@code GetPriority} */
	JobPriority getPriority();

	/** @param priority the new priority; BITS {@code SetPriority} */
	void setPriority(JobPriority priority);

	/** @return how long to wait after a transient error before retrying; BITS {@code GetMinimumRetryDelay} */
	Duration getMinimumRetryDelay();

	/** @param delay at least {@link #MINIMUM_RETRY_DELAY_FLOOR} (smaller values are raised); BITS {@code SetMinimumRetryDelay} */
	void setMinimumRetryDelay(Duration delay);

	/** @return how long a job may retry without progress before it goes to ERROR; BITS {@code GetNoProgressTimeout} */
	Duration getNoProgressTimeout();

	/** @param timeout zero or more; zero makes every error fatal; BITS {@code SetNoProgressTimeout} */
	void setNoProgressTimeout(Duration timeout);

	/** @return the extra request headers, in order; BITS {@code GetCustomHeaders} */
	Map<String, String> getCustomHeaders();

	/**
	 * @param headers extra headers sent with every request to the origin of the file's URI (not after a redirect to
	 *            another origin); stored sealed, like credentials; empty clears; BITS {@code SetCustomHeaders}
	 */
	void setCustomHeaders(Map<String, String> headers);

	/**
	 * Sets the credentials for one target, replacing earlier ones for it; BITS {@code SetCredentials}. They are
	 * stored with the job, sealed (never in clear in the store), and cannot be read back. Server credentials are sent
	 * only to the origin (scheme, host and port) of the file's URI, never to another origin a redirect leads to, and
	 * over plain {@code http} only if {@link #setPlainHttpAuthenticationAllowed(boolean)} allows it.
	 *
	 * @param credentials the credentials
	 * @throws TransferException {@link ErrorCodes#E_NOTIMPL} for a scheme other than {@link AuthScheme#BASIC}
	 */
	void setCredentials(Credentials credentials);

	/** @param target whose credentials to remove; BITS {@code RemoveCredentials} */
	void removeCredentials(AuthTarget target);

	/** @return whether credentials are set for the target */
	boolean hasCredentials(AuthTarget target);

	/**
	 * Names the file an {@link JobType#UPLOAD_REPLY} job puts the server's reply in when it completes; BITS
	 * {@code SetReplyFileName}. Without one, the reply goes to a file of the engine's own ({@link #getReplyFileName()}).
	 *
	 * @param file an absolute path; the engine writes it as it writes a download's destination (whole or not at all)
	 * @throws TransferException {@link ErrorCodes#E_INVALIDARG} for another job type or a relative path;
	 *         {@link ErrorCodes#BG_E_INVALID_STATE} once the job is TRANSFERRED or final
	 */
	void setReplyFileName(Path file);

	/**
	 * @return where an {@link JobType#UPLOAD_REPLY} job puts its reply when it completes: the file named, or the engine's
	 *         own place for it; empty for other job types; BITS {@code GetReplyFileName}
	 */
	Optional<Path> getReplyFileName();

	/**
	 * @return the reply's progress: its length (-1 while unknown) and the bytes received, complete once the whole reply
	 *         is received (the job is then TRANSFERRED); BITS {@code GetReplyProgress}
	 */
	FileProgress getReplyProgress();

	/**
	 * @return the whole reply of an {@link JobType#UPLOAD_REPLY} job, once it is TRANSFERRED (or later); BITS
	 *         {@code GetReplyData}
	 * @throws TransferException {@link ErrorCodes#BG_E_INVALID_STATE} before the reply is whole, or for another job type;
	 *         {@link ErrorCodes#BG_E_TOO_LARGE} for a reply over 1 MiB: read its file instead
	 */
	byte[] getReplyData();

	/**
	 * @param protocol how an upload job speaks to its server: BITS (the default), tus, or asked with {@code OPTIONS};
	 *        set before the upload starts
	 * @throws TransferException {@link ErrorCodes#E_INVALIDARG} for a download job;
	 *         {@link ErrorCodes#BG_E_INVALID_STATE} once the upload has a session on its server
	 */
	void setUploadProtocol(UploadProtocol protocol);

	/** @return how an upload job speaks to its server ({@link UploadProtocol#BITS} for a download job) */
	UploadProtocol getUploadProtocol();

	/** @return whether server credentials may be sent over plain {@code http}; {@code false} by default */
	boolean isPlainHttpAuthenticationAllowed();

	/**
	 * Lets server credentials be sent over plain {@code http}, where anyone on the network path can read Basic
	 * credentials. Without it they go over {@code https} only.
	 *
	 * @param allowed whether to send them over {@code http} too
	 * @since 1.1
	 */
	void setPlainHttpAuthenticationAllowed(boolean allowed);

	/** @return the proxy settings, {@link ProxySettings#PRECONFIG} by default; BITS {@code GetProxySettings} */
	ProxySettings getProxySettings();

	/** @param settings the proxy settings; BITS {@code SetProxySettings} */
	void setProxySettings(ProxySettings settings);

	/** @return the largest number of bytes the job may download, 0 for no limit; {@code BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE} */
	long getMaxDownloadSize();

	/** @param bytes 0 for no limit; {@code BITS_JOB_PROPERTY_MAX_DOWNLOAD_SIZE} */
	void setMaxDownloadSize(long bytes);

	/** @return the redirect policy, {@link RedirectPolicy#ALLOW} by default; BITS {@code SetSecurityFlags} */
	RedirectPolicy getRedirectPolicy();

	/** @param policy the redirect policy */
	void setRedirectPolicy(RedirectPolicy policy);

	/** @return the shortest time between two modification notifications; {@code BITS_JOB_PROPERTY_MINIMUM_NOTIFICATION_INTERVAL_MS} */
	Duration getMinimumNotificationInterval();

	/** @param interval zero or more */
	void setMinimumNotificationInterval(Duration interval);

	// --- notification ----------------------------------------------------------------------------------------

	/** @return a copy of the notification flags; BITS {@code GetNotifyFlags} */
	Set<NotifyFlag> getNotifyFlags();

	/** @param flags the kinds of notification wanted; persisted with the job; BITS {@code SetNotifyFlags} (SPEC N1) */
	void setNotifyFlags(Set<NotifyFlag> flags);

	/**
	 * Sets the live callback, replacing any earlier one; {@code null} clears; BITS {@code SetNotifyInterface}
	 * (SPEC N2-N4). It is not persisted and becomes invalid when the bundle that set it stops.
	 *
	 * @param callback the callback, or {@code null}
	 */
	void setNotifyCallback(TransferCallback callback);

	/** @return the live callback, if one is set and still valid; BITS {@code GetNotifyInterface} */
	Optional<TransferCallback> getNotifyCallback();

	/**
	 * Sets the persistent handler id, replacing any earlier one; {@code null} clears;
	 * {@code BITS_JOB_PROPERTY_NOTIFICATION_CLSID} (SPEC N4, N6).
	 *
	 * The id may name a version range, {@code ID;version=RANGE} in OSGi syntax (for example
	 * {@code com.example.Installer;version=[2,3)}): only a bundle whose version is in the range then serves the job,
	 * and the engine installs and updates within it. The text is persisted with the job as given.
	 *
	 * @param handlerId the id of a {@link BitsHandler} component, optionally with a version range, or {@code null}
	 * @throws TransferException {@link ErrorCodes#HANDLER_NOT_FOUND} if no installed bundle and no configured
	 *         repository provides it (in the range); {@link ErrorCodes#E_INVALIDARG} if it is malformed
	 */
	void setHandlerId(String handlerId);

	/** @return the persistent handler id as set (with its version range, if any), if set */
	Optional<String> getHandlerId();
}
