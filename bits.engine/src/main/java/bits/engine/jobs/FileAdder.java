package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_TOO_MANY_FILES;
import static bits.api.ErrorCodes.BG_E_TOO_MANY_FILES_IN_JOB;
import static bits.api.ErrorCodes.E_ACCESSDENIED;
import static bits.api.ErrorCodes.E_INVALIDARG;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import bits.api.FileSpec;
import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.files.FileRoots;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/** Checks files to add to a job, all before any is added (SPEC §5). */
final class FileAdder {
	private static final int MAX_NAME_PART = 160;
	private static final SecureRandom RANDOM = new SecureRandom();
	private final Limits limits;
	/** Whether a destination is another file's, of any job in the table. */
	private final Predicate<Path> taken;

	FileAdder(Limits limits, Predicate<Path> taken) {
		this.limits = limits;
		this.taken = taken;
	}

	List<FileRecord> check(JobRecord job, List<FileSpec> specs) {
		InputChecks.notNull("file list", specs);
		if (job.type() != JobType.DOWNLOAD) {
			return checkUpload(job, specs);
		}
		int count = job.files().size() + specs.size();
		if (count > limits.maxFilesPerJob()) {
			throw new TransferException(BG_E_TOO_MANY_FILES_IN_JOB,
					"job " + job.id() + " would have " + count + " files; the limit is " + limits.maxFilesPerJob());
		}
		Set<Path> adding = new HashSet<>();
		List<FileRecord> added = new ArrayList<>();
		int index = job.files().size();
		for (FileSpec spec : specs) {
			InputChecks.notNull("file", spec);
			URI remote = InputChecks.remote(spec.remote());
			if (remote.getScheme().equals("file")) {
				checkRoot(remote);
			}
			Path local = InputChecks.local(spec.local());
			if (taken.test(local) || !adding.add(local)) {
				throw new TransferException(E_INVALIDARG, "local path '" + local + "' is already the destination of another file");
			}
			added.add(FileRecord.added(index++, remote, local, temporaryPath(job.id(), local)));
		}
		return added;
	}

	/**
	 * An upload job's one file (SPEC U1): an http(s) URL to upload to, and a local file to read, under the configured
	 * file roots as a {@code file:} source is: an owner (over the REST API, say) uploads only what the engine was told it
	 * may read.
	 */
	private List<FileRecord> checkUpload(JobRecord job, List<FileSpec> specs) {
		if (job.files().size() + specs.size() > 1) {
			throw new TransferException(BG_E_TOO_MANY_FILES, "job " + job.id() + " is an upload job: it has one file");
		}
		List<FileRecord> added = new ArrayList<>();
		for (FileSpec spec : specs) {
			InputChecks.notNull("file", spec);
			URI remote = InputChecks.remote(spec.remote());
			if (remote.getScheme().equals("file")) {
				throw new TransferException(E_INVALIDARG, "an upload goes to an http or https URL, not to " + remote);
			}
			Path local = InputChecks.local(spec.local());
			if (!FileRoots.contains(limits.fileRoots(), local)) {
				throw new TransferException(E_ACCESSDENIED, "local file '" + local + "' is outside the configured file roots "
						+ limits.fileRoots() + ", which an upload reads from (configuration bits.engine, file.roots)");
			}
			// the temporary name is never created for an upload: it stays unique and unguessable as any other
			added.add(FileRecord.added(job.files().size(), remote, local, temporaryPath(job.id(), local)));
		}
		return added;
	}

	private void checkRoot(URI remote) {
		Path source;
		try {
			source = Path.of(remote).normalize();
		} catch (IllegalArgumentException e) {
			throw new TransferException(E_INVALIDARG, "remote URI '" + remote + "' is not a local file: " + e.getMessage());
		}
		if (FileRoots.contains(limits.fileRoots(), source)) {
			return;
		}
		throw new TransferException(E_ACCESSDENIED, "remote URI '" + remote + "' is outside the configured file: roots "
				+ limits.fileRoots() + " (configuration bits.engine, file.roots)");
	}

	/**
	 * The temporary file beside a destination (SPEC J3): hidden, named after the job and the destination, and with a
	 * random part, so that nobody can plant something at its name before the engine creates it.
	 */
	static Path temporaryPath(UUID job, Path local) {
		String name = local.getFileName().toString(); // the path's own last element: a backslash is part of a name here
		if (name.length() > MAX_NAME_PART) {
			name = name.substring(0, MAX_NAME_PART); // room for the suffix within a file system's 255 bytes
		}
		byte[] random = new byte[8];
		RANDOM.nextBytes(random);
		return local.resolveSibling("." + name + "." + job.toString().substring(0, 8) + "." + HexFormat.of().formatHex(random) + ".bits-tmp");
	}
}
