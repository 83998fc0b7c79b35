package bits.engine.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories {@code file:} sources may be read from (configuration {@code file.roots}), compared by real path:
 * a symbolic link inside a root that points outside it is outside.
 */
public final class FileRoots {
	private FileRoots() {
	}

	/** @return the configured roots ({@code file.roots}), each as {@link #real} */
	public static List<Path> of(String[] configured) {
		List<Path> result = new ArrayList<>();
		for (String r : configured) {
			if (!r.isBlank()) {
				result.add(real(Path.of(r.trim())));
			}
		}
		return List.copyOf(result);
	}

	/** @return the root's real path when it exists, else its absolute normal form */
	public static Path real(Path root) {
		Path absolute = root.toAbsolutePath().normalize();
		try {
			return absolute.toRealPath();
		} catch (IOException e) {
			return absolute;
		}
	}

	/**
	 * The textual check, when a file is added: the path, and its real path if it exists already, lie under a root.
	 */
	public static boolean contains(List<Path> roots, Path source) {
		Path normal = source.toAbsolutePath().normalize();
		if (!under(roots, normal)) {
			return false;
		}
		try {
			return under(roots, normal.toRealPath());
		} catch (IOException e) {
			return true; // not there yet: checked again when it is opened
		}
	}

	/**
	 * The check when a source is opened: its real path lies under a root and it is a regular file (a FIFO or a device
	 * would hang or never end the copy).
	 *
	 * @return the real path, to be opened without following links
	 * @throws NoSuchFileException if it does not exist
	 * @throws UnsafeFileException if it is outside every root, or not a regular file
	 */
	public static Path openable(List<Path> roots, Path source) throws IOException {
		Path real = source.toRealPath();
		if (!under(roots, real)) {
			throw new UnsafeFileException(source + " resolves to " + real + ", outside the configured file: roots " + roots
					+ " (configuration bits.engine, file.roots)");
		}
		if (!Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
			throw new UnsafeFileException(source + " is not a regular file");
		}
		return real;
	}

	private static boolean under(List<Path> roots, Path p) {
		for (Path root : roots) {
			if (p.startsWith(root)) {
				return true;
			}
		}
		return false;
	}
}
