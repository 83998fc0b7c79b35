package bits.engine.jobs;

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

/** The state of one job (SPEC J1), with BITS's defaults. Guarded by the {@link JobTable}'s lock. */
final class JobRecord {
	final UUID id;
	final String owner;
	final JobType type;
	JobState state = JobState.SUSPENDED;
	String displayName;
	String description = "";
	JobPriority priority = JobPriority.NORMAL;
	Duration minimumRetryDelay = TransferJob.DEFAULT_MINIMUM_RETRY_DELAY;
	Duration noProgressTimeout = TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT;
	Duration minimumNotificationInterval = TransferJob.DEFAULT_MINIMUM_NOTIFICATION_INTERVAL;
	final Map<String, String> customHeaders = new LinkedHashMap<>();
	final Map<AuthTarget, Credentials> credentials = new EnumMap<>(AuthTarget.class);
	ProxySettings proxySettings = ProxySettings.PRECONFIG;
	long maxDownloadSize;
	RedirectPolicy redirectPolicy = RedirectPolicy.ALLOW;
	EnumSet<NotifyFlag> notifyFlags = NotifyFlag.defaults();
	String handlerId;
	JobError error;
	JobError notificationError;
	final Instant created;
	Instant modified;
	Instant transferred;
	final List<FileRecord> files = new ArrayList<>();

	JobRecord(UUID id, String owner, JobType type, String displayName, Instant now) {
		this.id = id;
		this.owner = owner;
		this.type = type;
		this.displayName = displayName;
		this.created = now;
		this.modified = now;
	}

	JobProgress progress() {
		long total = 0;
		long done = 0;
		int filesDone = 0;
		for (FileRecord f : files) {
			total = total < 0 || f.bytesTotal < 0 ? JobProgress.SIZE_UNKNOWN : total + f.bytesTotal;
			done += f.bytesTransferred;
			filesDone += f.completed ? 1 : 0;
		}
		return new JobProgress(total, done, files.size(), filesDone);
	}

	JobTimes times() {
		return new JobTimes(created, modified, transferred);
	}
}
