package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.BG_E_TOO_LARGE;
import static bits.api.ErrorCodes.E_INVALIDARG;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.CompleteResult;
import bits.api.Credentials;
import bits.api.FileProgress;
import bits.api.FileSpec;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobProgress;
import bits.api.JobState;
import bits.api.JobTimes;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.RedirectPolicy;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.TransferFile;
import bits.api.TransferJob;
import bits.api.UploadProtocol;
import bits.engine.files.ReplyFiles;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.UploadSession;

/**
 * A caller's view of one job: a getter reads the job's current record (no lock); a setter is a command to the
 * {@link JobTable}.
 */
final class JobHandle implements TransferJob {
	/** The most {@link #getReplyData()} returns, as BITS's {@code GetReplyData}. */
	static final int MAX_REPLY_DATA = 1 << 20;
	private final JobTable table;
	private final JobSlot job;
	/** The bundle this view acts for: a live callback it sets is dropped when that bundle stops. */
	private final Bundle caller;

	JobHandle(JobTable table, JobSlot job, Bundle caller) {
		this.table = table;
		this.job = job;
		this.caller = caller;
	}

	/** @see JobTable#batch */
	void batch(Runnable work) {
		table.batch(job, work);
	}

	@Override
	public UUID getId() {
		return job.record().id();
	}

	@Override
	public String getOwner() {
		return job.record().owner();
	}

	@Override
	public JobType getType() {
		return job.record().type();
	}

	@Override
	public JobState getState() {
		return job.record().state();
	}

	@Override
	public JobProgress getProgress() {
		return table.progress(job.record());
	}

	@Override
	public JobTimes getTimes() {
		return job.record().times();
	}

	@Override
	public Optional<JobError> getError() {
		return Optional.ofNullable(job.record().error());
	}

	@Override
	public Optional<JobError> getNotificationError() {
		return Optional.ofNullable(job.record().notificationError());
	}

	@Override
	public List<TransferFile> getFiles() {
		List<TransferFile> files = new ArrayList<>();
		job.record().files().forEach(f -> files.add(new FileHandle(table, job, f.index())));
		return Collections.unmodifiableList(files);
	}

	@Override
	public TransferFile addFile(URI remote, Path local) {
		return addFiles(List.of(new FileSpec(remote, local))).get(0);
	}

	@Override
	public List<TransferFile> addFiles(List<FileSpec> files) {
		List<TransferFile> added = new ArrayList<>();
		table.addFiles(job, files).forEach(f -> added.add(new FileHandle(table, job, f.index())));
		return Collections.unmodifiableList(added);
	}

	@Override
	public void resume() {
		table.resume(job);
	}

	@Override
	public void suspend() {
		table.suspend(job);
	}

	@Override
	public void cancel() {
		table.cancel(job);
	}

	@Override
	public CompleteResult complete() {
		return table.complete(job);
	}

	@Override
	public String getDisplayName() {
		return settings().displayName();
	}

	@Override
	public void setDisplayName(String name) {
		InputChecks.displayName(name);
		set(b -> b.displayName(name));
	}

	@Override
	public String getDescription() {
		return settings().description();
	}

	@Override
	public void setDescription(String description) {
		InputChecks.description(description);
		set(b -> b.description(description));
	}

	@Override
	public JobPriority getPriority() {
		return settings().priority();
	}

	@Override
	public void setPriority(JobPriority priority) {
		InputChecks.notNull("priority", priority);
		set(b -> b.priority(priority));
	}

	@Override
	public Duration getMinimumRetryDelay() {
		return settings().minimumRetryDelay();
	}

	@Override
	public void setMinimumRetryDelay(Duration delay) {
		InputChecks.duration("minimum retry delay", delay);
		Duration raised = delay.compareTo(MINIMUM_RETRY_DELAY_FLOOR) < 0 ? MINIMUM_RETRY_DELAY_FLOOR : delay;
		set(b -> b.minimumRetryDelay(raised));
	}

	@Override
	public Duration getNoProgressTimeout() {
		return settings().noProgressTimeout();
	}

	@Override
	public void setNoProgressTimeout(Duration timeout) {
		InputChecks.duration("no-progress timeout", timeout);
		set(b -> b.noProgressTimeout(timeout));
	}

	@Override
	public Map<String, String> getCustomHeaders() {
		return settings().customHeaders();
	}

	@Override
	public void setCustomHeaders(Map<String, String> headers) {
		Map<String, String> copy = InputChecks.headers(headers);
		set(b -> b.customHeaders(copy));
	}

	@Override
	public void setCredentials(Credentials credentials) {
		InputChecks.notNull("credentials", credentials);
		if (credentials.scheme() != AuthScheme.BASIC) {
			throw new TransferException(E_NOTIMPL, "authentication scheme " + credentials.scheme() + " is not supported yet; use BASIC");
		}
		set(b -> b.credentials(credentials));
	}

	@Override
	public void removeCredentials(AuthTarget target) {
		InputChecks.notNull("credentials target", target);
		set(b -> b.removeCredentials(target));
	}

	@Override
	public boolean hasCredentials(AuthTarget target) {
		return settings().credentials().containsKey(target);
	}

	@Override
	public void setReplyFileName(Path file) {
		if (job.record().type() != JobType.UPLOAD_REPLY) {
			throw new TransferException(E_INVALIDARG, "job " + getId() + " is a " + job.record().type() + " job: only upload-reply jobs have a reply");
		}
		Path checked = InputChecks.local(file);
		JobState state = job.record().state();
		if (state == JobState.TRANSFERRED || state.isFinal()) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + getId() + " is " + state + ": its reply file is decided");
		}
		set(b -> b.replyFile(checked));
	}

	@Override
	public Optional<Path> getReplyFileName() {
		JobRecord r = job.record();
		if (r.type() != JobType.UPLOAD_REPLY) {
			return Optional.empty();
		}
		return Optional.of(ReplyFiles.replyFile(r.settings().replyFile(), table.storeDirectory(), r.id()));
	}

	@Override
	public FileProgress getReplyProgress() {
		JobRecord r = job.record();
		if (r.type() != JobType.UPLOAD_REPLY || r.files().isEmpty()) {
			return new FileProgress(JobProgress.SIZE_UNKNOWN, 0, false);
		}
		long length = UploadSession.of(r.files().get(0).validator()).map(UploadSession::replyLength).orElse(JobProgress.SIZE_UNKNOWN);
		boolean whole = r.files().get(0).completed() || r.state() == JobState.ACKNOWLEDGED;
		if (whole) {
			return new FileProgress(length, Math.max(0, length), true);
		}
		if (table.pinnedElsewhere(r)) { // being received on that engine's disk: this one knows what its store says
			return new FileProgress(length, 0, false);
		}
		try {
			return new FileProgress(length, Files.size(ReplyFiles.temporary(table.storeDirectory(), r.id())), false);
		} catch (IOException e) {
			return new FileProgress(length, 0, false);
		}
	}

	@Override
	public byte[] getReplyData() {
		JobRecord r = job.record();
		if (r.type() != JobType.UPLOAD_REPLY) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + getId() + " is a " + r.type() + " job: only upload-reply jobs have a reply");
		}
		if (table.pinnedElsewhere(r)) {
			throw new TransferException(BG_E_INVALID_STATE, "the reply of job " + getId() + " is on the disk of engine '" + r.pinnedTo()
					+ "', which received it: read it there");
		}
		Path reply;
		try {
			if (r.state() == JobState.ACKNOWLEDGED) {
				reply = getReplyFileName().orElseThrow();
			} else if (!r.files().isEmpty() && r.files().get(0).completed()) {
				reply = ReplyFiles.temporary(table.storeDirectory(), r.id());
			} else {
				throw new TransferException(BG_E_INVALID_STATE, "job " + getId() + " is " + r.state() + ": its reply is not whole yet");
			}
			long size = Files.size(reply);
			if (size > MAX_REPLY_DATA) {
				throw new TransferException(BG_E_TOO_LARGE, "the reply has " + size + " bytes, more than " + MAX_REPLY_DATA + ": read " + reply);
			}
			return Files.readAllBytes(reply);
		} catch (IOException e) {
			throw new TransferException(BG_E_INVALID_STATE, "the reply of job " + getId() + " cannot be read: " + e);
		}
	}

	@Override
	public void setUploadProtocol(UploadProtocol protocol) {
		InputChecks.notNull("upload protocol", protocol);
		JobRecord r = job.record();
		if (r.type() == JobType.DOWNLOAD) {
			throw new TransferException(E_INVALIDARG, "job " + getId() + " is a download job: it has no upload protocol");
		}
		if (r.type() == JobType.UPLOAD_REPLY && protocol != UploadProtocol.BITS) {
			throw new TransferException(E_INVALIDARG, "job " + getId() + " is an upload-reply job: only the BITS upload protocol has replies");
		}
		if (!r.files().isEmpty() && r.files().get(0).validator() != null) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + getId() + " has its upload's session on the server: its protocol is decided");
		}
		set(b -> b.uploadProtocol(protocol));
	}

	@Override
	public UploadProtocol getUploadProtocol() {
		return settings().uploadProtocol();
	}

	@Override
	public boolean isPlainHttpAuthenticationAllowed() {
		return settings().plainHttpAuthentication();
	}

	@Override
	public void setPlainHttpAuthenticationAllowed(boolean allowed) {
		set(b -> b.plainHttpAuthentication(allowed));
	}

	@Override
	public ProxySettings getProxySettings() {
		return settings().proxySettings();
	}

	@Override
	public void setProxySettings(ProxySettings settings) {
		InputChecks.notNull("proxy settings", settings);
		set(b -> b.proxySettings(settings));
	}

	@Override
	public long getMaxDownloadSize() {
		return settings().maxDownloadSize();
	}

	@Override
	public void setMaxDownloadSize(long bytes) {
		if (bytes < 0) {
			throw new TransferException(E_INVALIDARG, "max download size is negative: " + bytes);
		}
		set(b -> b.maxDownloadSize(bytes));
	}

	@Override
	public RedirectPolicy getRedirectPolicy() {
		return settings().redirectPolicy();
	}

	@Override
	public void setRedirectPolicy(RedirectPolicy policy) {
		InputChecks.notNull("redirect policy", policy);
		set(b -> b.redirectPolicy(policy));
	}

	@Override
	public Duration getMinimumNotificationInterval() {
		return settings().minimumNotificationInterval();
	}

	@Override
	public void setMinimumNotificationInterval(Duration interval) {
		InputChecks.duration("minimum notification interval", interval);
		set(b -> b.minimumNotificationInterval(interval));
	}

	@Override
	public Set<NotifyFlag> getNotifyFlags() {
		EnumSet<NotifyFlag> flags = EnumSet.noneOf(NotifyFlag.class); // the caller's own copy, as before
		flags.addAll(settings().notifyFlags());
		return flags;
	}

	@Override
	public void setNotifyFlags(Set<NotifyFlag> flags) {
		InputChecks.notNull("notify flags", flags);
		EnumSet<NotifyFlag> copy = EnumSet.noneOf(NotifyFlag.class);
		copy.addAll(flags);
		if (copy.isEmpty()) {
			throw new TransferException(E_INVALIDARG, "notify flags are empty; use DISABLE to turn notifications off");
		}
		set(b -> b.notifyFlags(copy));
	}

	@Override
	public void setNotifyCallback(TransferCallback callback) {
		table.setCallback(job, callback, caller);
	}

	@Override
	public Optional<TransferCallback> getNotifyCallback() {
		return table.callbacks().get(getId()).map(LiveCallbacks.Registration::callback);
	}

	@Override
	public void setHandlerId(String handlerId) {
		table.setHandlerId(job, InputChecks.handlerId(handlerId));
	}

	@Override
	public Optional<String> getHandlerId() {
		return Optional.ofNullable(settings().handlerId());
	}

	private JobSettings settings() {
		return job.record().settings();
	}

	/** Changes the job's properties: a modification. */
	private void set(Consumer<JobSettings.Builder> change) {
		table.update(job, c -> {
			c.settings(change);
			return null;
		});
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof JobHandle h && h.getId().equals(getId());
	}

	@Override
	public int hashCode() {
		return getId().hashCode();
	}

	@Override
	public String toString() {
		JobRecord r = job.record();
		return "job " + r.id() + " (" + r.settings().displayName() + ", " + r.state() + ")";
	}
}
