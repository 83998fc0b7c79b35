package bits.engine.jobs;

import static bits.api.ErrorCodes.E_INVALIDARG;

import java.nio.file.Path;
import java.util.List;

import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.files.FileRoots;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/**
 * Which engine a job's files tie it to when engines share a store (SPEC C4). A job whose destinations, and
 * {@code file:} sources, are all under the shared roots (directories every engine reaches at the same path) may be
 * transferred, completed and cancelled by any engine. Any other job is pinned to the engine that added its files, by
 * that engine's name, since its files are on that machine's disk: it waits for an engine of that name. An upload-reply
 * job is pinned to the engine that added its file whatever the roots: its reply comes to that engine's own data area.
 *
 * @param sharedRoots the configured shared roots
 * @param engine this engine's name
 */
record Affinity(List<Path> sharedRoots, String engine) {
	/**
	 * @return the engine the job is pinned to once these files are added to it, or {@code null} if none
	 * @throws TransferException if the files are on this engine's disk but the job is pinned to another engine
	 */
	String pin(JobRecord job, List<FileRecord> added) {
		if (job.type() != JobType.UPLOAD_REPLY && added.stream().allMatch(this::shared)) {
			return job.pinnedTo();
		}
		if (job.pinnedTo() != null && !job.pinnedTo().equals(engine)) {
			throw new TransferException(E_INVALIDARG, "job " + job.id() + " is pinned to engine '" + job.pinnedTo() + "', whose disk holds its files; add"
					+ " this file there, or under a root every engine shares (store.shared.roots " + sharedRoots + ")");
		}
		return engine;
	}

	private boolean shared(FileRecord f) {
		return FileRoots.contains(sharedRoots, f.local())
				&& (!"file".equals(f.remote().getScheme()) || FileRoots.contains(sharedRoots, Path.of(f.remote()).normalize()));
	}
}
