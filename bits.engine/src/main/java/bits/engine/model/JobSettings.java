package bits.engine.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.JobPriority;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.RedirectPolicy;
import bits.api.UploadProtocol;
import bits.api.TransferJob;

/**
 * The properties of a job that its owner sets, with BITS's defaults: immutable. A new property is a component here
 * (with its line in {@link Builder}), a column in the store, and a getter and setter on the job's handle.
 *
 * @param plainHttpAuthentication whether server credentials may go over plain http (they are readable on the path)
 * @param handlerId the persistent handler id, or {@code null}
 * @param replyFile where an upload-reply job puts the server's reply, or {@code null} for the engine's own place
 * @param uploadProtocol how an upload job speaks to its server
 */
public record JobSettings(String displayName, String description, JobPriority priority, Duration minimumRetryDelay,
		Duration noProgressTimeout, Duration minimumNotificationInterval, Map<String, String> customHeaders,
		Map<AuthTarget, Credentials> credentials, ProxySettings proxySettings, long maxDownloadSize, RedirectPolicy redirectPolicy,
		boolean plainHttpAuthentication, Set<NotifyFlag> notifyFlags, String handlerId, Path replyFile, UploadProtocol uploadProtocol) {

	public JobSettings {
		customHeaders = Collections.unmodifiableMap(new LinkedHashMap<>(customHeaders)); // in the order given
		EnumMap<AuthTarget, Credentials> c = new EnumMap<>(AuthTarget.class);
		c.putAll(credentials);
		credentials = Collections.unmodifiableMap(c);
		EnumSet<NotifyFlag> f = EnumSet.noneOf(NotifyFlag.class);
		f.addAll(notifyFlags);
		notifyFlags = Collections.unmodifiableSet(f);
	}

	/** A new job's properties: BITS's defaults, with the engine's configured retry delay and no-progress timeout. */
	public static JobSettings defaults(String displayName, Duration retryDelay, Duration noProgressTimeout) {
		return new JobSettings(displayName, "", JobPriority.NORMAL, retryDelay, noProgressTimeout,
				TransferJob.DEFAULT_MINIMUM_NOTIFICATION_INTERVAL, Map.of(), Map.of(), ProxySettings.PRECONFIG, 0, RedirectPolicy.ALLOW,
				false, NotifyFlag.defaults(), null, null, UploadProtocol.BITS);
	}

	/** @return these settings with the changes {@code change} makes to a builder of them */
	public JobSettings with(Consumer<Builder> change) {
		Builder b = new Builder(this);
		change.accept(b);
		return b.build();
	}

	/** A copy of settings to change, one property at a time, before {@link JobSettings#with} makes new settings of it. */
	public static final class Builder {
		private String displayName;
		private String description;
		private JobPriority priority;
		private Duration minimumRetryDelay;
		private Duration noProgressTimeout;
		private Duration minimumNotificationInterval;
		private final Map<String, String> customHeaders;
		private final Map<AuthTarget, Credentials> credentials;
		private ProxySettings proxySettings;
		private long maxDownloadSize;
		private RedirectPolicy redirectPolicy;
		private boolean plainHttpAuthentication;
		private Set<NotifyFlag> notifyFlags;
		private String handlerId;
		private Path replyFile;
		private UploadProtocol uploadProtocol;

		private Builder(JobSettings s) {
			displayName = s.displayName;
			description = s.description;
			priority = s.priority;
			minimumRetryDelay = s.minimumRetryDelay;
			noProgressTimeout = s.noProgressTimeout;
			minimumNotificationInterval = s.minimumNotificationInterval;
			customHeaders = new LinkedHashMap<>(s.customHeaders);
			credentials = new EnumMap<>(AuthTarget.class);
			credentials.putAll(s.credentials);
			proxySettings = s.proxySettings;
			maxDownloadSize = s.maxDownloadSize;
			redirectPolicy = s.redirectPolicy;
			plainHttpAuthentication = s.plainHttpAuthentication;
			notifyFlags = s.notifyFlags;
			handlerId = s.handlerId;
			replyFile = s.replyFile;
			uploadProtocol = s.uploadProtocol;
		}

		private JobSettings build() {
			return new JobSettings(displayName, description, priority, minimumRetryDelay, noProgressTimeout, minimumNotificationInterval,
					customHeaders, credentials, proxySettings, maxDownloadSize, redirectPolicy, plainHttpAuthentication, notifyFlags, handlerId, replyFile, uploadProtocol);
		}

		public Builder uploadProtocol(UploadProtocol v) {
			uploadProtocol = v;
			return this;
		}

		public Builder replyFile(Path v) {
			replyFile = v;
			return this;
		}

		public Builder displayName(String v) {
			displayName = v;
			return this;
		}

		public Builder description(String v) {
			description = v;
			return this;
		}

		public Builder priority(JobPriority v) {
			priority = v;
			return this;
		}

		public Builder minimumRetryDelay(Duration v) {
			minimumRetryDelay = v;
			return this;
		}

		public Builder noProgressTimeout(Duration v) {
			noProgressTimeout = v;
			return this;
		}

		public Builder minimumNotificationInterval(Duration v) {
			minimumNotificationInterval = v;
			return this;
		}

		public Builder customHeaders(Map<String, String> v) {
			customHeaders.clear();
			customHeaders.putAll(v);
			return this;
		}

		/** Sets the credentials for their target, replacing any. */
		public Builder credentials(Credentials v) {
			credentials.put(v.target(), v);
			return this;
		}

		public Builder removeCredentials(AuthTarget target) {
			credentials.remove(target);
			return this;
		}

		public Builder proxySettings(ProxySettings v) {
			proxySettings = v;
			return this;
		}

		public Builder maxDownloadSize(long v) {
			maxDownloadSize = v;
			return this;
		}

		public Builder redirectPolicy(RedirectPolicy v) {
			redirectPolicy = v;
			return this;
		}

		public Builder plainHttpAuthentication(boolean v) {
			plainHttpAuthentication = v;
			return this;
		}

		public Builder notifyFlags(Set<NotifyFlag> v) {
			notifyFlags = v;
			return this;
		}

		public Builder handlerId(String v) {
			handlerId = v;
			return this;
		}
	}
}
