package bits.engine.config;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.osgi.framework.BundleContext;

/**
 * Where the engine keeps its state when its configuration names no place: the store, the secrets key and the record
 * of the handler bundles it installed. In Karaf that is {@code ${karaf.data}/bits}, which the container keeps and its
 * users back up; elsewhere the engine bundle's data area (lost when the bundle is uninstalled, so a container or an
 * application sets {@code store.directory} or the framework property {@code bits.store.directory} instead).
 */
public final class DataArea {
	/** Karaf's framework property naming its data directory. */
	static final String KARAF_DATA = "karaf.data";

	private DataArea() {
	}

	/**
	 * @return the file or directory {@code name} in the data area
	 * @throws IllegalStateException if the framework gives the bundle no file system (then the settings must name one)
	 */
	public static Path file(BundleContext context, String name) {
		String karaf = context.getProperty(KARAF_DATA);
		if (karaf != null && !karaf.isBlank()) {
			return ownerOnly(Path.of(karaf, "bits")).resolve(name);
		}
		File f = context.getDataFile(name);
		if (f == null) {
			throw new IllegalStateException("the framework gives the engine no data area for " + name + ": configure store.directory and secrets.key.file");
		}
		return f.toPath();
	}

	/** Created 0700 if missing: the key and the store live in it, in a directory other users of Karaf's data can list. */
	private static Path ownerOnly(Path dir) {
		try {
			if (!Files.isDirectory(dir)) {
				Files.createDirectories(dir.getParent());
				if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
					Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
				} else {
					Files.createDirectory(dir);
				}
			}
			return dir;
		} catch (FileAlreadyExistsException e) {
			return dir; // made at the same moment by another component of the engine
		} catch (IOException e) {
			throw new UncheckedIOException("cannot create the engine's data area " + dir, e);
		}
	}
}
