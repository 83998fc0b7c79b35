package bits.engine.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.UUID;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.files.FileRoots;
import bits.engine.files.UnsafeFileException;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;

/**
 * Copies a {@code file:} source (inside a configured root) into the temporary file, resumable like a download; the
 * source's size and modification time are its validator, as BITS does for consistency (SPEC J6).
 */
final class FileCopier {
	private final JobTransitions transitions;
	private final List<Path> roots;

	/** @param roots the configured {@code file.roots}, as {@link FileRoots#of} gives them */
	FileCopier(JobTransitions transitions, List<Path> roots) {
		this.transitions = transitions;
		this.roots = roots;
	}

	void copy(UUID job, FileRecord file, DataSink sink, GroupCommit group) throws TransferFailure, Stopped, InterruptedException {
		Path named = Path.of(Transports.withoutFragment(file.remote()));
		Path source;
		BasicFileAttributes attributes;
		try {
			// checked when opened, by real path: a link placed in a root after the file was added leads nowhere else
			source = FileRoots.openable(roots, named);
			attributes = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		} catch (UnsafeFileException e) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_ACCESSDENIED, "the source is refused: " + e.getMessage(), e);
		} catch (NoSuchFileException e) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_FILE_NOT_FOUND, "the source " + named + " does not exist", e);
		} catch (IOException e) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_ACCESSDENIED, "cannot read the source " + named + ": " + e, e);
		}
		long size = attributes.size();
		String validator = size + "@" + attributes.lastModifiedTime().toMillis();
		long offset = sink.durableLength();
		if (offset > 0 && !validator.equals(transitions.file(job, file.index()).validator())) {
			offset = 0;
		}
		sink.startAt(offset, size, validator);
		transitions.transferring(job);
		ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
		sink.limit(RequestSettings.of(transitions.job(job).orElseThrow(Stopped::new), file.index()).sizeLimit());
		try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
			in.position(offset);
			while (in.read(buffer) >= 0) {
				buffer.flip();
				sink.write(new ByteBuffer[] { buffer });
				buffer.clear();
			}
		} catch (NoSuchFileException | AccessDeniedException e) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_ACCESSDENIED, "cannot read the source " + source + ": " + e, e);
		} catch (IOException e) {
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.E_CONNECTION_ERROR, "reading " + source + " failed: " + e, null, e);
		}
		if (sink.position() != size) {
			sink.startAt(0, -1, null);
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_REMOTE_FILE_CHANGED,
					"the source " + source + " changed while it was copied", null, null);
		}
		sink.finish(group);
	}
}
