package bits.engine.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.sqlite.SQLiteConfig;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * The SQLite driver's native library from a copy in the store directory, in a JVM that is bits's own (the distribution
 * sets the framework property {@value #PROPERTY} to {@code store}). Left alone, the driver finds its platform by running
 * {@code uname} and writes its library (1 MB) to the temporary directory at every start: 60-70 ms of a one-shot
 * command's second on a 2-core machine. The driver's settings are the JVM's system properties: in a container where
 * other bundles may use the driver (another version would load this library) the driver keeps its own way, and so it
 * does when the properties are set already. A copy the driver cannot load makes it fall back to its own way.
 */
public final class SqliteLibrary {
	/** The framework property that asks for the copy: {@code store}. */
	public static final String PROPERTY = "bits.sqlite.library";
	private static final String PATH = "org.sqlite.lib.path";
	private static final String NAME = "org.sqlite.lib.name";

	private SqliteLibrary() {
	}

	/**
	 * Points the driver at the copy in {@code store}/native, made from the driver's bundle if missing; this runs the
	 * driver's platform detection once per store and driver version.
	 *
	 * @return the directory the driver loads its library from, or {@code null} if the driver's own way stays
	 */
	public static Path keepIn(Path store) throws IOException {
		if (System.getProperty(PATH) != null) {
			return null; // the user's, or an earlier start's in this JVM
		}
		Bundle driver = FrameworkUtil.getBundle(SQLiteConfig.class);
		String name = LibraryLoaderUtil.getNativeLibName();
		Path dir = store.resolve("native").resolve("sqlite-jdbc-" + (driver == null ? "classpath" : driver.getVersion().toString()) + "-"
				+ System.getProperty("os.name") + "-" + System.getProperty("os.arch"));
		Path library = dir.resolve(name);
		if (!Files.isRegularFile(library, LinkOption.NOFOLLOW_LINKS)) {
			try (InputStream in = SQLiteConfig.class.getResourceAsStream(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name)) {
				if (in == null) {
					return null; // no library for this platform in the driver: its own way tells why
				}
				Files.createDirectories(dir);
				// whole or not at all: written aside (created new, in the engine's private store directory), then renamed
				Path part = Files.createTempFile(dir, name, ".part");
				try {
					Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
					Files.move(part, library, StandardCopyOption.ATOMIC_MOVE);
				} finally {
					Files.deleteIfExists(part);
				}
			}
		}
		System.setProperty(NAME, name);
		System.setProperty(PATH, dir.toString());
		return dir;
	}
}
