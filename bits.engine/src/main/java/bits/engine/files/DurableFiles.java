package bits.engine.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Small files the engine keeps its own state in, written so that a crash leaves the old content or the new, whole. */
public final class DurableFiles {
	private DurableFiles() {
	}

	/**
	 * Replaces {@code file}'s content: written to a new file beside it (mode 0600, never through a link), synced,
	 * renamed over it, and the directory synced.
	 */
	public static void replace(Path file, byte[] content) throws IOException {
		Path next = file.resolveSibling(file.getFileName() + ".next");
		Files.deleteIfExists(next); // a crash's leftover; unlink never follows a link
		FileAttribute<?>[] mode = Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView("posix")
				? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) }
				: new FileAttribute<?>[0];
		try (FileChannel c = FileChannel.open(next, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), mode)) {
			ByteBuffer b = ByteBuffer.wrap(content);
			while (b.hasRemaining()) {
				c.write(b);
			}
			c.force(true);
		}
		Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		syncDirectory(file.toAbsolutePath().getParent());
	}

	/** Makes renames and deletions in {@code dir} durable: on Linux a directory's entries are synced through its own descriptor. */
	public static void syncDirectory(Path dir) {
		try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
			c.force(true);
		} catch (IOException e) {
			// not every platform can open a directory; the rename itself has happened
		}
	}
}
