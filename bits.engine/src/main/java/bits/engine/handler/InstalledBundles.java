package bits.engine.handler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

import org.osgi.framework.Bundle;
import org.osgi.service.log.Logger;

/**
 * The bundles the engine installed from its repositories, kept in the engine bundle's data area so that they are
 * recognised again after a restart (the framework keeps the bundles, not who installed them). A bundle counts as the
 * engine's only if both its location and its bundle id are those recorded at install: the framework never gives an id
 * twice, and the record lives in the same framework storage, so a bundle another one installs later from the same
 * location is not the engine's. The SHA-256 it was verified against is kept for diagnosis.
 */
final class InstalledBundles {
	private final Path file;
	private final Logger log;
	private final Properties records = new Properties(); // location -> "id sha256"; guarded by this

	InstalledBundles(Path file, Logger log) {
		this.file = file;
		this.log = log;
		if (file != null && Files.exists(file)) {
			try (InputStream in = Files.newInputStream(file)) {
				records.load(in);
			} catch (IOException e) {
				log.error("the record of engine-installed handler bundles {} cannot be read: {}", file, e.toString());
			}
		}
	}

	synchronized void add(Bundle b, String sha256) {
		records.setProperty(b.getLocation(), key(b) + " " + sha256);
		save();
	}

	synchronized boolean contains(Bundle b) {
		String record = records.getProperty(b.getLocation());
		return record != null && record.startsWith(key(b) + " ");
	}

	private static String key(Bundle b) {
		return Long.toString(b.getBundleId());
	}

	private void save() {
		if (file == null) {
			return;
		}
		try {
			Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
			try (OutputStream out = Files.newOutputStream(tmp)) {
				records.store(out, "handler bundles the engine installed: location = bundle id, SHA-256");
			}
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		} catch (IOException e) {
			log.error("the record of engine-installed handler bundles {} cannot be written: {}", file, e.toString());
		}
	}
}
