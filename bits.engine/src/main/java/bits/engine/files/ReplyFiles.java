package bits.engine.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Where upload-reply jobs receive their replies (SPEC U2): in the store directory's {@value #DIRECTORY}, which the
 * engine creates for its user alone, so nothing can be planted at a reply's name there; the reply goes to its reply
 * file when the job completes.
 */
public final class ReplyFiles {
	static final String DIRECTORY = "replies";
	private static final SecureRandom RANDOM = new SecureRandom();

	private ReplyFiles() {
	}

	/** @return the reply being received for {@code job} (made by {@link TemporaryFiles#open}) */
	public static Path temporary(Path store, UUID job) throws IOException {
		return directory(store).resolve(job + ".bits-tmp");
	}

	/** @return where the reply goes when the job names no reply file */
	public static Path defaultFile(Path store, UUID job) {
		return store.resolve(DIRECTORY).resolve(job + ".reply");
	}

	/** @return where the reply goes: the file the job names, else the default one in {@code store} */
	public static Path replyFile(Path named, Path store, UUID job) {
		return named != null ? named : defaultFile(store, job);
	}

	/**
	 * Puts a whole reply at its reply file: renamed when on the same file system, else copied beside it under a new
	 * name, synced, and renamed onto it. The reply file is either its old content or the whole reply.
	 */
	public static void place(Path temporary, Path replyFile) throws IOException {
		TemporaryFiles.checkOurs(temporary, null);
		TemporaryFiles.takePermissionsOf(temporary, replyFile);
		try {
			Files.move(temporary, replyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			byte[] random = new byte[8];
			RANDOM.nextBytes(random);
			Path beside = replyFile.resolveSibling("." + replyFile.getFileName() + "." + HexFormat.of().formatHex(random) + ".bits-tmp");
			try (TemporaryFiles.Opened out = TemporaryFiles.open(beside, null); FileChannel in = FileChannel.open(temporary, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
				for (long at = 0, size = in.size(); at < size;) {
					at += in.transferTo(at, size - at, out.channel());
				}
				out.channel().force(true);
			}
			TemporaryFiles.takePermissionsOf(beside, replyFile);
			Files.move(beside, replyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			Files.delete(temporary);
		}
		DurableFiles.syncDirectory(replyFile.toAbsolutePath().getParent());
	}

	private static Path directory(Path store) throws IOException {
		Path dir = store.resolve(DIRECTORY);
		try {
			Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		} catch (FileAlreadyExistsException e) {
			if (!Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()) {
				throw new UnsafeFileException(dir + " is not a directory (a link?): no reply is received through it");
			}
		} catch (UnsupportedOperationException e) {
			Files.createDirectories(dir);
		}
		return dir;
	}
}
