package bits.engine.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import bits.engine.config.DataArea;
import bits.engine.config.EngineConfig;
import bits.engine.files.TemporaryFiles;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/**
 * Cleanup: jobs left inactive too long (BITS's JobInactivityTimeout) with their temporary files, and journal entries
 * older than the retention; at the engine's start and every hour.
 */
final class Housekeeping {
	private final JobTable table;
	private final Logger log;

	Housekeeping(JobTable table, Logger log) {
		this.table = table;
		this.log = log;
	}

	/**
	 * Runs now, then every hour on {@code chores}, the job table's thread (which also writes acknowledgements: an hourly
	 * scan delays them a moment, and an acknowledgement not yet written is at worst delivered again).
	 */
	void start(ScheduledExecutorService chores) {
		run();
		chores.scheduleWithFixedDelay(this::run, 1, 1, TimeUnit.HOURS);
	}

	private void run() {
		try {
			Limits limits = table.limits();
			cancelInactive(limits.inactivity());
			table.pruneJournal(Instant.now().minus(limits.eventRetention()));
		} catch (RuntimeException e) {
			log.error("housekeeping failed; it runs again in an hour", e);
		}
	}

	private void cancelInactive(Duration inactivity) {
		Instant now = Instant.now();
		for (JobRecord job : table.jobs()) {
			if (job.modified().plus(inactivity).isBefore(now)) {
				log.info("cancelling job {} ({}): inactive since {}", job.id(), job.settings().displayName(), job.modified());
				JobRecord ended = table.forget(job.id());
				if (ended != null) {
					deleteTemporaries(ended.files(), log);
				}
			}
		}
	}

	/** Deletes the temporary files the engine created, and only those: never a link, a directory or a swapped file. */
	static void deleteTemporaries(List<FileRecord> files, Logger log) {
		for (FileRecord f : files) {
			try {
				TemporaryFiles.delete(f.temporary(), f.temporaryKey());
			} catch (IOException e) {
				log.warn("temporary file {} is left in place: {}", f.temporary(), e.getMessage());
			}
		}
	}

	/** The configured directory, else the framework property {@value JobTable#STORE_PROPERTY}, else {@code store} in the data area. */
	static Path storeDirectory(BundleContext context, EngineConfig config) {
		if (!config.store_directory().isEmpty()) {
			return Path.of(config.store_directory());
		}
		String property = context.getProperty(JobTable.STORE_PROPERTY);
		return property != null && !property.isBlank() ? Path.of(property) : DataArea.file(context, "store");
	}
}
