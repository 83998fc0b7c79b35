package bits.engine.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobProgress;
import bits.api.JobState;
import bits.api.JobTimes;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.RedirectPolicy;
import bits.api.TransferJob;

/**
 * The durable state of one job (SPEC J1), with BITS's defaults: a row of table {@code job} with its files and
 * credentials. Mutable; the job table guards it with its lock.
 */
public final class JobRow {
	public final UUID id;
	public final String owner;
	public final JobType type;
	public JobState state = JobState.SUSPENDED;
	public String displayName;
	public String description = "";
	public JobPriority priority = JobPriority.NORMAL;
	public Duration minimumRetryDelay = TransferJob.DEFAULT_MINIMUM_RETRY_DELAY;
	public Duration noProgressTimeout = TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT;
	public Duration minimumNotificationInterval = TransferJob.DEFAULT_MINIMUM_NOTIFICATION_INTERVAL;
	public final Map<String, String> customHeaders = new LinkedHashMap<>();
	public final Map<AuthTarget, Credentials> credentials = new EnumMap<>(AuthTarget.class);
	public ProxySettings proxySettings = ProxySettings.PRECONFIG;
	public long maxDownloadSize;
	public RedirectPolicy redirectPolicy = RedirectPolicy.ALLOW;
	/** Whether server credentials may go over plain http (they are readable on the path there). */
	public boolean plainHttpAuthentication;
	public EnumSet<NotifyFlag> notifyFlags = NotifyFlag.defaults();
	public String handlerId;
	public JobError error;
	public JobError notificationError;
	public final Instant created;
	public Instant modified;
	public Instant transferred;
	/** The last time the job made progress (or was created or resumed): the no-progress timeout counts from it. */
	public Instant lastProgress;
	/** When a job in TRANSIENT_ERROR is retried. */
	public Instant retryAt;
	public final List<FileRow> files = new ArrayList<>();
	/** Terminal notifications not yet acknowledged, oldest first. */
	public final List<Notice> notices = new ArrayList<>();

	public JobRow(UUID id, String owner, JobType type, String displayName, Instant now) {
		this.id = id;
		this.owner = owner;
		this.type = type;
		this.displayName = displayName;
		this.created = now;
		this.modified = now;
		this.lastProgress = now;
	}

	public JobProgress progress() {
		long total = 0;
		long done = 0;
		int filesDone = 0;
		for (FileRow f : files) {
			total = total < 0 || f.bytesTotal < 0 ? JobProgress.SIZE_UNKNOWN : total + f.bytesTotal;
			done += Math.max(f.bytesTransferred, f.liveBytes);
			filesDone += f.completed ? 1 : 0;
		}
		return new JobProgress(total, done, files.size(), filesDone);
	}

	public JobTimes times() {
		return new JobTimes(created, modified, transferred);
	}

	/** @return the first file not yet transferred, or {@code null} */
	public FileRow nextFile() {
		for (FileRow f : files) {
			if (!f.completed) {
				return f;
			}
		}
		return null;
	}
}
