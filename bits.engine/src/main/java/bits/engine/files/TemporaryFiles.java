package bits.engine.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The engine's temporary files, made safe against what another local user can plant beside a destination: a file is
 * created new and exclusive (never through a link), readable by the engine's user only, and remembered by its
 * identity (device and inode); it is reopened, renamed and deleted only while the name still holds that same regular
 * file with a single link. Nothing here follows a symbolic link.
 */
public final class TemporaryFiles {
	private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions
			.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
	private static final LinkOption[] NOFOLLOW = { LinkOption.NOFOLLOW_LINKS };
	/** The engine's user: read once, it does not change while the process runs. */
	private static final Integer OWNER_UID = ProcessStatus.uid();

	private TemporaryFiles() {
	}

	/** An opened temporary file and its identity (stored with the file; {@code null} where the file system has none). */
	public record Opened(FileChannel channel, String key) implements AutoCloseable {
		@Override
		public void close() throws IOException {
			channel.close();
		}
	}

	/**
	 * Opens a file's temporary file for writing: creates it (mode 0600) when the name is free, else reopens it if it is
	 * still the file the engine made.
	 *
	 * @param expectedKey the identity recorded when the engine created it, or {@code null} if none was recorded
	 * @throws UnsafeFileException when the name holds a link, a directory, another file, or a file with other links
	 */
	public static Opened open(Path temporary, String expectedKey) throws IOException {
		try {
			FileChannel c = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
					LinkOption.NOFOLLOW_LINKS), attributes(temporary));
			return new Opened(c, key(temporary));
		} catch (FileAlreadyExistsException e) {
			// ours from an earlier run, or planted: check before and after opening, so a swap in between is seen
			String before = checkOurs(temporary, expectedKey);
			FileChannel c = FileChannel.open(temporary, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
			try {
				String after = checkOurs(temporary, before);
				return new Opened(c, after);
			} catch (IOException | RuntimeException f) {
				c.close();
				throw f;
			}
		}
	}

	/**
	 * Checks that the name holds the engine's temporary file: a regular file, not a link, with one name only, and the
	 * recorded identity when one is known.
	 *
	 * @return its identity
	 * @throws NoSuchFileException if nothing has the name
	 * @throws UnsafeFileException if something else has it
	 */
	public static String checkOurs(Path temporary, String expectedKey) throws IOException {
		BasicFileAttributes a = Files.readAttributes(temporary, BasicFileAttributes.class, NOFOLLOW);
		if (a.isSymbolicLink()) {
			throw new UnsafeFileException(temporary + " is a symbolic link, not the engine's temporary file; nothing is written through it");
		}
		if (!a.isRegularFile()) {
			throw new UnsafeFileException(temporary + " is not a regular file, so not the engine's temporary file");
		}
		if (links(temporary) > 1) {
			throw new UnsafeFileException(temporary + " has other hard links, so it is not the engine's temporary file");
		}
		String key = identity(temporary, a);
		if (expectedKey == null && !ownedByThisProcess(temporary)) {
			// nothing recorded (a crash right after creating it): at least it must be the engine's user's file
			throw new UnsafeFileException(temporary + " belongs to another user, so it is not the engine's temporary file");
		}
		if (expectedKey != null && key != null && !expectedKey.equals(key)) {
			throw new UnsafeFileException(temporary + " was replaced by another file since the engine created it");
		}
		return key;
	}

	/**
	 * Deletes the engine's temporary file, and nothing else: a link, a directory or a replaced file at its name stays.
	 *
	 * @throws UnsafeFileException naming what was left in place
	 */
	public static void delete(Path temporary, String expectedKey) throws IOException {
		try {
			checkOurs(temporary, expectedKey);
		} catch (NoSuchFileException e) {
			return; // never created, or already gone
		}
		Files.deleteIfExists(temporary); // unlink: never follows a link, never recurses
	}

	/** Opens the engine's temporary file for reading (to sync or verify it) without following a link. */
	public static FileChannel openForReading(Path temporary, String expectedKey) throws IOException {
		checkOurs(temporary, expectedKey);
		FileChannel c = FileChannel.open(temporary, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
		try {
			checkOurs(temporary, expectedKey);
			return c;
		} catch (IOException | RuntimeException e) {
			c.close();
			throw e;
		}
	}

	/**
	 * Gives a temporary file, before it is renamed onto its destination, the permissions the destination should have:
	 * those of the file it replaces, else those a new file gets under the process's umask.
	 */
	public static void takePermissionsOf(Path temporary, Path destination) throws IOException {
		if (!posix(temporary)) {
			return;
		}
		Set<PosixFilePermission> wanted;
		try {
			BasicFileAttributes a = Files.readAttributes(destination, BasicFileAttributes.class, NOFOLLOW);
			wanted = a.isRegularFile() ? Files.getPosixFilePermissions(destination, NOFOLLOW) : Umask.newFilePermissions();
		} catch (NoSuchFileException e) {
			wanted = Umask.newFilePermissions();
		}
		Files.setPosixFilePermissions(temporary, wanted);
	}

	private static FileAttribute<?>[] attributes(Path file) {
		return posix(file) ? new FileAttribute<?>[] { OWNER_ONLY } : new FileAttribute<?>[0];
	}

	/**
	 * Whether files there have POSIX permissions: asked of the file system, not of {@code Files.getFileStore}, which
	 * reads the mount table at every call (ten system calls for each small file of a job, twice) and, unless the JDK
	 * is given an fstypes.properties, answers yes for every kind of mount alike.
	 */
	private static boolean posix(Path file) {
		return file.getFileSystem().supportedFileAttributeViews().contains("posix");
	}

	/** @return the identity of what {@code file} names, not following a link, or null if nothing does (or it has none) */
	public static String identityOf(Path file) throws IOException {
		try {
			return key(file);
		} catch (NoSuchFileException e) {
			return null;
		}
	}

	private static String key(Path file) throws IOException {
		return identity(file, Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW));
	}

	/**
	 * Device and inode, and the owner: a file another user put at the name is not the engine's even if it got the
	 * freed inode number.
	 */
	private static String identity(Path file, BasicFileAttributes a) throws IOException {
		if (a.fileKey() == null) {
			return null;
		}
		try {
			return a.fileKey() + "uid=" + Files.getAttribute(file, "unix:uid", NOFOLLOW);
		} catch (UnsupportedOperationException | IllegalArgumentException e) {
			return a.fileKey().toString();
		}
	}

	private static boolean ownedByThisProcess(Path file) throws IOException {
		try {
			return OWNER_UID == null || OWNER_UID.equals(Files.getAttribute(file, "unix:uid", NOFOLLOW));
		} catch (UnsupportedOperationException | IllegalArgumentException e) {
			return true;
		}
	}

	private static int links(Path file) throws IOException {
		try {
			Map<String, Object> a = Files.readAttributes(file, "unix:nlink", NOFOLLOW);
			return ((Number) a.get("nlink")).intValue();
		} catch (UnsupportedOperationException | IllegalArgumentException e) {
			return 1; // no such notion on this file system
		}
	}
}
