package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.BG_E_TOO_MANY_FILES_IN_JOB;
import static bits.api.ErrorCodes.E_INVALIDARG;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

import org.osgi.service.component.annotations.Component;

import bits.api.FileSpec;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferException;

/**
 * Every job of the engine, and the only writer of job state. Jobs live in memory until the store (issue 3) takes
 * over. One lock guards every job: a call sees and changes a consistent state, and checks everything before it
 * changes anything.
 */
@Component(service = JobTable.class, immediate = true) // holds the jobs: it must outlive every manager instance
public class JobTable {
	/** BITS's MaxFilesPerJob default; configurable with the store (issue 3). */
	static final int MAX_FILES_PER_JOB = 200;

	private final Map<UUID, JobRecord> jobs = new LinkedHashMap<>();

	synchronized JobRecord create(String owner, String displayName, JobType type) {
		InputChecks.displayName(displayName);
		InputChecks.notNull("job type", type);
		if (type != JobType.DOWNLOAD) {
			throw new TransferException(E_NOTIMPL, type + " jobs are not supported yet; only DOWNLOAD jobs are");
		}
		JobRecord job = new JobRecord(UUID.randomUUID(), owner, type, displayName, Instant.now());
		jobs.put(job.id, job);
		return job;
	}

	/**
	 * @param id a job id
	 * @param owner the caller, or {@code null} for every owner
	 * @return the job
	 */
	synchronized JobRecord find(UUID id, String owner) {
		InputChecks.notNull("job id", id);
		JobRecord job = jobs.get(id);
		if (job == null || owner != null && !owner.equals(job.owner)) {
			throw new TransferException(BG_E_NOT_FOUND, "no job " + id + (owner == null ? "" : " owned by " + owner));
		}
		return job;
	}

	/**
	 * @param owner the caller, or {@code null} for every owner
	 * @return the jobs, oldest first
	 */
	synchronized List<JobRecord> list(String owner) {
		List<JobRecord> result = new ArrayList<>();
		for (JobRecord job : jobs.values()) {
			if (owner == null || owner.equals(job.owner)) {
				result.add(job);
			}
		}
		return result;
	}

	/** Reads a job under the lock. */
	synchronized <T> T read(JobRecord job, Function<JobRecord, T> reader) {
		return reader.apply(job);
	}

	/** Changes a job that is not final, under the lock. The change must check its arguments first. */
	synchronized void update(JobRecord job, Consumer<JobRecord> change) {
		checkNotFinal(job);
		change.accept(job);
		job.modified = Instant.now();
	}

	synchronized List<FileRecord> addFiles(JobRecord job, List<FileSpec> specs) {
		checkNotFinal(job);
		InputChecks.notNull("file list", specs);
		if (job.files.size() + specs.size() > MAX_FILES_PER_JOB) {
			throw new TransferException(BG_E_TOO_MANY_FILES_IN_JOB, "job " + job.id + " would have "
					+ (job.files.size() + specs.size()) + " files; the limit is " + MAX_FILES_PER_JOB);
		}
		Set<Path> taken = destinations();
		List<FileRecord> added = new ArrayList<>();
		int index = job.files.size();
		for (FileSpec spec : specs) {
			InputChecks.notNull("file", spec);
			var remote = InputChecks.remote(spec.remote());
			Path local = InputChecks.local(spec.local());
			if (!taken.add(local)) {
				throw new TransferException(E_INVALIDARG, "local path '" + local + "' is already the destination of another file");
			}
			added.add(new FileRecord(index++, remote, local, temporaryPath(job.id, local)));
		}
		job.files.addAll(added);
		job.modified = Instant.now();
		return added;
	}

	/** Ends a job in a final state: it leaves the table, its handles keep reporting that state. */
	synchronized void finish(JobRecord job, JobState finalState) {
		checkNotFinal(job);
		job.state = finalState;
		job.modified = Instant.now();
		jobs.remove(job.id);
	}

	/** The temporary file beside a destination (SPEC J3): hidden, and named after the job so two never collide. */
	static Path temporaryPath(UUID job, Path local) {
		return local.resolveSibling("." + local.getFileName() + "." + job.toString().substring(0, 8) + ".bits-tmp");
	}

	private Set<Path> destinations() {
		Set<Path> taken = new HashSet<>();
		for (JobRecord other : jobs.values()) {
			for (FileRecord f : other.files) {
				taken.add(f.local);
			}
		}
		return taken;
	}

	private static void checkNotFinal(JobRecord job) {
		if (job.state.isFinal()) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + job.id + " is " + job.state + ", a final state");
		}
	}
}
