package bits.engine.jobs;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/**
 * What the table's jobs hold that a new job or file is checked against: the number of jobs of each owner (the job
 * quotas) and the destinations taken. Kept as jobs enter and leave the table and as files are added, so that a create
 * or an {@code addFiles} does not scan a table of many jobs (SPEC J9). Guarded by the table's lock.
 */
final class JobIndex {
	private final Map<String, Integer> owned = new HashMap<>();
	private final Map<Path, UUID> destinations = new HashMap<>();
	private int jobs;

	/** The job came into the table. */
	void added(JobRecord job) {
		jobs++;
		owned.merge(job.owner(), 1, Integer::sum);
		filesAdded(job, 0);
	}

	/** The job left the table. */
	void removed(JobRecord job) {
		jobs--;
		owned.computeIfPresent(job.owner(), (o, n) -> n == 1 ? null : n - 1);
		for (FileRecord f : job.files()) {
			destinations.remove(f.local(), job.id());
		}
	}

	/** A job of the table changed from {@code before} to {@code after}: files are only ever appended. */
	void changed(JobRecord before, JobRecord after) {
		if (after.files().size() > before.files().size()) {
			filesAdded(after, before.files().size());
		}
	}

	private void filesAdded(JobRecord job, int from) {
		for (int i = from; i < job.files().size(); i++) {
			destinations.putIfAbsent(job.files().get(i).local(), job.id());
		}
	}

	/** @return how many jobs the table has */
	int jobs() {
		return jobs;
	}

	/** @return how many jobs of the table the owner has */
	int owned(String owner) {
		return owned.getOrDefault(owner, 0);
	}

	/** @return whether a file of a job in the table has this destination */
	boolean taken(Path local) {
		return destinations.containsKey(local);
	}
}
