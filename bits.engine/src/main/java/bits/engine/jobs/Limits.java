package bits.engine.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import bits.api.ErrorCodes;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.engine.config.EngineConfig;
import bits.engine.files.FileRoots;

/** The engine's quotas and defaults for jobs, from its configuration. */
record Limits(int maxJobs, int maxJobsPerOwner, int maxFilesPerJob, Duration inactivity, Duration defaultRetryDelay,
		Duration defaultNoProgressTimeout, List<Path> fileRoots, Duration eventRetention) {

	Limits(EngineConfig c) {
		this(c.max_jobs(), c.max_jobs_per_owner(), c.max_files_per_job(), Duration.ofDays(c.job_inactivity_days()),
				max(Duration.ofSeconds(c.default_retry_delay_s()), TransferJob.MINIMUM_RETRY_DELAY_FLOOR),
				Duration.ofSeconds(c.default_no_progress_timeout_s()), FileRoots.of(c.file_roots()),
				Duration.ofHours(c.event_retention_hours()));
	}

	/** BITS's defaults, for tests outside a framework. */
	static Limits defaults() {
		return new Limits(300, 60, 200, Duration.ofDays(90), TransferJob.DEFAULT_MINIMUM_RETRY_DELAY,
				TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT, List.of(), Duration.ofDays(7));
	}

	/**
	 * Refuses a new job of the owner when the engine or the owner has as many as allowed (BITS MaxJobsPer*).
	 *
	 * @param jobs how many jobs the engine has
	 * @param owned how many of them the owner has
	 */
	void checkRoomForJob(int jobs, int owned, String owner) {
		if (jobs >= maxJobs) {
			throw new TransferException(ErrorCodes.BG_E_TOO_MANY_JOBS_PER_MACHINE,
					"the engine has " + jobs + " jobs; the limit is " + maxJobs);
		}
		if (owned >= maxJobsPerOwner) {
			throw new TransferException(ErrorCodes.BG_E_TOO_MANY_JOBS_PER_USER,
					owner + " has " + owned + " jobs; the limit is " + maxJobsPerOwner);
		}
	}

	private static Duration max(Duration a, Duration b) {
		return a.compareTo(b) >= 0 ? a : b;
	}

}
