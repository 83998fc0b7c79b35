package bits.engine.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.log.Logger;

import bits.engine.config.DataArea;
import bits.engine.config.EngineConfig;
import bits.engine.files.TemporaryFiles;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/** Cleanup: temporary files of ended jobs, and jobs left inactive too long (BITS's JobInactivityTimeout). */
final class Housekeeping {
	private final JobTable table;
	private final Logger log;

	Housekeeping(JobTable table, Logger log) {
		this.table = table;
		this.log = log;
	}

	void cancelInactive(Duration inactivity) {
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
