package bits.engine.jobs;

import static bits.api.ErrorCodes.E_INVALIDARG;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.CompleteResult;
import bits.api.Credentials;
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
import bits.engine.store.JobRow;

import org.osgi.framework.Bundle;

/** A caller's view of one job: every call goes to the {@link JobTable}. */
final class JobHandle implements TransferJob {
	private final JobTable table;
	private final JobRow job;
	/** The bundle this view acts for: a live callback it sets is dropped when that bundle stops. */
	private final Bundle caller;

	JobHandle(JobTable table, JobRow job, Bundle caller) {
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
		return job.id;
	}

	@Override
	public String getOwner() {
		return job.owner;
	}

	@Override
	public JobType getType() {
		return job.type;
	}

	@Override
	public JobState getState() {
		return table.read(job, j -> j.state);
	}

	@Override
	public JobProgress getProgress() {
		return table.read(job, JobRow::progress);
	}

	@Override
	public JobTimes getTimes() {
		return table.read(job, JobRow::times);
	}

	@Override
	public Optional<JobError> getError() {
		return table.read(job, j -> Optional.ofNullable(j.error));
	}

	@Override
	public Optional<JobError> getNotificationError() {
		return table.read(job, j -> Optional.ofNullable(j.notificationError));
	}

	@Override
	public List<TransferFile> getFiles() {
		return table.read(job, j -> {
			List<TransferFile> files = new ArrayList<>(j.files.size());
			j.files.forEach(f -> files.add(new FileHandle(table, job, f)));
			return Collections.unmodifiableList(files);
		});
	}

	@Override
	public TransferFile addFile(URI remote, Path local) {
		return addFiles(List.of(new FileSpec(remote, local))).get(0);
	}

	@Override
	public List<TransferFile> addFiles(List<FileSpec> files) {
		List<TransferFile> added = new ArrayList<>();
		table.addFiles(job, files).forEach(f -> added.add(new FileHandle(table, job, f)));
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
		return table.read(job, j -> j.displayName);
	}

	@Override
	public void setDisplayName(String name) {
		InputChecks.displayName(name);
		table.update(job, j -> j.displayName = name);
	}

	@Override
	public String getDescription() {
		return table.read(job, j -> j.description);
	}

	@Override
	public void setDescription(String description) {
		InputChecks.description(description);
		table.update(job, j -> j.description = description);
	}

	@Override
	public JobPriority getPriority() {
		return table.read(job, j -> j.priority);
	}

	@Override
	public void setPriority(JobPriority priority) {
		InputChecks.notNull("priority", priority);
		table.update(job, j -> j.priority = priority);
	}

	@Override
	public Duration getMinimumRetryDelay() {
		return table.read(job, j -> j.minimumRetryDelay);
	}

	@Override
	public void setMinimumRetryDelay(Duration delay) {
		InputChecks.duration("minimum retry delay", delay);
		Duration raised = delay.compareTo(MINIMUM_RETRY_DELAY_FLOOR) < 0 ? MINIMUM_RETRY_DELAY_FLOOR : delay;
		table.update(job, j -> j.minimumRetryDelay = raised);
	}

	@Override
	public Duration getNoProgressTimeout() {
		return table.read(job, j -> j.noProgressTimeout);
	}

	@Override
	public void setNoProgressTimeout(Duration timeout) {
		InputChecks.duration("no-progress timeout", timeout);
		table.update(job, j -> j.noProgressTimeout = timeout);
	}

	@Override
	public Map<String, String> getCustomHeaders() {
		return table.read(job, j -> Collections.unmodifiableMap(new LinkedHashMap<>(j.customHeaders)));
	}

	@Override
	public void setCustomHeaders(Map<String, String> headers) {
		Map<String, String> copy = InputChecks.headers(headers);
		table.update(job, j -> {
			j.customHeaders.clear();
			j.customHeaders.putAll(copy);
		});
	}

	@Override
	public void setCredentials(Credentials credentials) {
		InputChecks.notNull("credentials", credentials);
		if (credentials.scheme() != AuthScheme.BASIC) {
			throw new TransferException(E_NOTIMPL, "authentication scheme " + credentials.scheme() + " is not supported yet; use BASIC");
		}
		table.update(job, j -> j.credentials.put(credentials.target(), credentials));
	}

	@Override
	public void removeCredentials(AuthTarget target) {
		InputChecks.notNull("credentials target", target);
		table.update(job, j -> j.credentials.remove(target));
	}

	@Override
	public boolean hasCredentials(AuthTarget target) {
		return table.read(job, j -> j.credentials.containsKey(target));
	}

	@Override
	public boolean isPlainHttpAuthenticationAllowed() {
		return table.read(job, j -> j.plainHttpAuthentication);
	}

	@Override
	public void setPlainHttpAuthenticationAllowed(boolean allowed) {
		table.update(job, j -> j.plainHttpAuthentication = allowed);
	}

	@Override
	public ProxySettings getProxySettings() {
		return table.read(job, j -> j.proxySettings);
	}

	@Override
	public void setProxySettings(ProxySettings settings) {
		InputChecks.notNull("proxy settings", settings);
		table.update(job, j -> j.proxySettings = settings);
	}

	@Override
	public long getMaxDownloadSize() {
		return table.read(job, j -> j.maxDownloadSize);
	}

	@Override
	public void setMaxDownloadSize(long bytes) {
		if (bytes < 0) {
			throw new TransferException(E_INVALIDARG, "max download size is negative: " + bytes);
		}
		table.update(job, j -> j.maxDownloadSize = bytes);
	}

	@Override
	public RedirectPolicy getRedirectPolicy() {
		return table.read(job, j -> j.redirectPolicy);
	}

	@Override
	public void setRedirectPolicy(RedirectPolicy policy) {
		InputChecks.notNull("redirect policy", policy);
		table.update(job, j -> j.redirectPolicy = policy);
	}

	@Override
	public Duration getMinimumNotificationInterval() {
		return table.read(job, j -> j.minimumNotificationInterval);
	}

	@Override
	public void setMinimumNotificationInterval(Duration interval) {
		InputChecks.duration("minimum notification interval", interval);
		table.update(job, j -> j.minimumNotificationInterval = interval);
	}

	@Override
	public Set<NotifyFlag> getNotifyFlags() {
		return table.read(job, j -> EnumSet.copyOf(j.notifyFlags));
	}

	@Override
	public void setNotifyFlags(Set<NotifyFlag> flags) {
		InputChecks.notNull("notify flags", flags);
		EnumSet<NotifyFlag> copy = EnumSet.noneOf(NotifyFlag.class);
		copy.addAll(flags);
		if (copy.isEmpty()) {
			throw new TransferException(E_INVALIDARG, "notify flags are empty; use DISABLE to turn notifications off");
		}
		table.update(job, j -> j.notifyFlags = copy);
	}

	@Override
	public void setNotifyCallback(TransferCallback callback) {
		table.setCallback(job, callback, caller);
	}

	@Override
	public Optional<TransferCallback> getNotifyCallback() {
		return table.callbacks().get(job.id).map(LiveCallbacks.Registration::callback);
	}

	@Override
	public void setHandlerId(String handlerId) {
		table.setHandlerId(job, InputChecks.handlerId(handlerId));
	}

	@Override
	public Optional<String> getHandlerId() {
		return table.read(job, j -> Optional.ofNullable(j.handlerId));
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof JobHandle h && h.job.id.equals(job.id);
	}

	@Override
	public int hashCode() {
		return job.id.hashCode();
	}

	@Override
	public String toString() {
		return "job " + job.id + " (" + getDisplayName() + ", " + getState() + ")";
	}
}
