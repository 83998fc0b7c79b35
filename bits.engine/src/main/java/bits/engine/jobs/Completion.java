package bits.engine.jobs;

import static bits.api.ErrorCodes.E_ACCESSDENIED;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Set;

import bits.api.CompleteResult;
import bits.api.TransferException;
import bits.api.ValidationState;
import bits.engine.files.DurableFiles;
import bits.engine.files.TemporaryFiles;
import bits.engine.files.UnsafeFileException;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;

/**
 * BITS's {@code Complete}: each fully transferred file is renamed atomically onto its destination (SPEC J3), the
 * others are discarded (partial complete). A destination is never partially written: it is either the old file or
 * the whole new one.
 */
final class Completion {
	private Completion() {
	}

	static CompleteResult moveIntoPlace(JobRecord job) {
		boolean partial = false;
		boolean undeleted = false;
		Set<Path> directories = new LinkedHashSet<>();
		for (FileRecord f : job.files()) {
			if (f.completed() && f.validation() != ValidationState.INVALID) {
				if (alreadyInPlace(f)) {
					directories.add(f.local().getParent());
					continue;
				}
				try {
					// right before the rename: the name still holds the whole file the engine wrote, not a link swapped in
					TemporaryFiles.checkOurs(f.temporary(), f.temporaryKey());
					if (f.bytesTotal() >= 0 && Files.size(f.temporary()) != f.bytesTotal()) {
						throw new UnsafeFileException(f.temporary() + " has " + Files.size(f.temporary()) + " bytes, not the " + f.bytesTotal() + " transferred");
					}
					TemporaryFiles.takePermissionsOf(f.temporary(), f.local());
					Files.move(f.temporary(), f.local(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
					directories.add(f.local().getParent());
				} catch (UnsafeFileException e) {
					throw new TransferException(E_ACCESSDENIED, "not completed: " + e.getMessage());
				} catch (AtomicMoveNotSupportedException e) {
					throw new TransferException(E_ACCESSDENIED, "cannot rename " + f.temporary() + " atomically onto " + f.local());
				} catch (IOException e) {
					throw new TransferException(E_ACCESSDENIED, "cannot move " + f.temporary() + " to " + f.local() + ": " + e);
				}
			} else {
				partial = true;
				try {
					TemporaryFiles.delete(f.temporary(), f.temporaryKey());
				} catch (IOException e) {
					undeleted = true;
				}
			}
		}
		for (Path dir : directories) {
			DurableFiles.syncDirectory(dir);
		}
		return partial ? CompleteResult.PARTIAL_COMPLETE : undeleted ? CompleteResult.UNABLE_TO_DELETE_FILES : CompleteResult.COMPLETE;
	}

	/** A complete() cut off by a crash after this file's rename: the temporary file is gone, the destination whole. */
	private static boolean alreadyInPlace(FileRecord f) {
		try {
			return Files.notExists(f.temporary(), LinkOption.NOFOLLOW_LINKS) && f.bytesTotal() >= 0 && Files.isRegularFile(f.local()) && Files.size(f.local()) == f.bytesTotal();
		} catch (IOException e) {
			return false;
		}
	}
}
