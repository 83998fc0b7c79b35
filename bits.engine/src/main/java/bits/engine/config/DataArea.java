package bits.engine.config;

import java.io.File;
import java.nio.file.Path;

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

	/** The file or directory {@code name} in the data area; null only where the framework has no file system. */
	public static Path file(BundleContext context, String name) {
		String karaf = context.getProperty(KARAF_DATA);
		if (karaf != null && !karaf.isBlank()) {
			return Path.of(karaf, "bits", name);
		}
		File f = context.getDataFile(name);
		return f == null ? null : f.toPath();
	}
}
