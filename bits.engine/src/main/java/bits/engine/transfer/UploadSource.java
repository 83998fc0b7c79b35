package bits.engine.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

import org.apache.commons.io.IOUtils;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.files.FileRoots;
import bits.engine.files.UnsafeFileException;
import bits.engine.model.FileRecord;

/**
 * The local file an upload sends, whatever the protocol (SPEC U1, U5): opened by its real path under the configured
 * {@code file.roots}, with the version ({@code size@mtime}) its kept session was made for.
 *
 * @param file the job's file
 * @param channel the file, open for reading
 * @param size its size when opened
 * @param version {@code size@mtime}: a kept session of another version is of a changed file
 */
record UploadSource(FileRecord file, FileChannel channel, long size, String version) implements AutoCloseable {
	/** @throws TransferFailure the file is outside the roots, a link, missing or unreadable: fatal */
	static UploadSource open(List<Path> roots, FileRecord file) throws TransferFailure {
		Path path;
		try {
			// checked when opened, by real path: a link placed under a root after the file was added leads nowhere else
			path = FileRoots.openable(roots, file.local());
		} catch (UnsafeFileException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "the file to upload is refused: " + e.getMessage(), e);
		} catch (NoSuchFileException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_FILE_NOT_FOUND, "the file to upload, " + file.local() + ", does not exist", e);
		} catch (IOException e) {
			throw unreadable(file, e);
		}
		FileChannel in = null;
		try {
			in = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
			BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
			long size = in.size();
			return new UploadSource(file, in, size, size + "@" + a.lastModifiedTime().toMillis());
		} catch (IOException e) {
			IOUtils.closeQuietly(in);
			throw unreadable(file, e);
		}
	}

	/** Reads {@code length} bytes at {@code offset} into {@code buffer}; a file shorter than when opened has changed. */
	void read(byte[] buffer, long offset, int length) throws TransferFailure {
		ByteBuffer b = ByteBuffer.wrap(buffer, 0, length);
		try {
			while (b.hasRemaining()) {
				if (channel.read(b, offset + b.position()) < 0) {
					throw changed();
				}
			}
		} catch (IOException e) {
			throw unreadable(file, e);
		}
	}

	/** @return the failure of a file that is not the version its session was made for */
	TransferFailure changed() {
		return TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.BG_E_LOCAL_FILE_CHANGED,
				file.local() + " changed while it was uploaded; create the job again to upload it as it is now", null);
	}

	@Override
	public void close() {
		IOUtils.closeQuietly(channel); // only read from: nothing is lost
	}

	private static TransferFailure unreadable(FileRecord file, IOException e) {
		return TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "cannot read " + file.local() + ": " + e, e);
	}
}
