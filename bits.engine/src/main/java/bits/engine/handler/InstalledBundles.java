package bits.engine.handler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;
import org.osgi.service.log.Logger;

/**
 * The bundles the engine installed from its repositories, kept in the engine bundle's data area so that they are
 * recognised again after a restart (the framework keeps the bundles, not who installed them). A bundle counts as the
 * engine's only if both its location and its bundle id are those recorded at install: the framework never gives an id
 * twice, and the record lives in the same framework storage, so a bundle another one installs later from the same
 * location is not the engine's. For each it keeps what it installed (SPEC H7): the version and SHA-256 of the index
 * entry and the index it came from, so that a newer or rebuilt entry is recognised; and since when no job needs it
 * (SPEC H9). An install is recorded before it is made, and completed after ({@link #installing}), so that a crash in
 * between leaves no bundle the engine can neither use nor install again.
 */
final class InstalledBundles {
	/**
	 * What the engine installed at a location.
	 *
	 * @param version the version of the index entry installed ({@code null} in a record of an earlier release)
	 * @param repository the index it came from ({@code null} in a record of an earlier release)
	 * @param idleSince since when (epoch ms) no job needed the bundle; 0 while one does
	 */
	record Installed(long bundleId, String sha256, Version version, String repository, long idleSince) {
		static Installed parse(String text) {
			String[] f = text.trim().split(" ");
			try {
				return new Installed(Long.parseLong(f[0]), f.length > 1 ? f[1] : "", f.length > 2 && !f[2].equals("-") ? Version.parseVersion(f[2]) : null,
						f.length > 3 && !f[3].equals("-") ? f[3] : null, f.length > 4 ? Long.parseLong(f[4]) : 0);
			} catch (IllegalArgumentException e) {
				return null;
			}
		}

		String format() {
			return bundleId + " " + sha256 + " " + (version == null ? "-" : version) + " " + (repository == null ? "-" : repository) + " " + idleSince;
		}
	}

	private final Path file;
	private final Logger log;
	private final Properties records = new Properties(); // location -> Installed.format(); guarded by this

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

	/**
	 * Records, before an install, that the engine installs at this location now: should the engine die between the
	 * framework's install and {@link #add}, the bundle found there after the restart, with an id above every id in use
	 * before the install, is the engine's (the framework gives ids in increasing order). Without this record, that
	 * bundle would be a stranger, and installing the handler again would fail on its symbolic name and version. The
	 * intent is decided by {@link #settle} at the next start.
	 *
	 * @param aboveId the highest bundle id in use before the install
	 */
	synchronized void installing(String location, long aboveId, String sha256, Version version, String repository) {
		Installed existing = recorded(location);
		if (existing != null && existing.bundleId() >= 0) {
			return; // the engine's bundle is there already (the framework then returns it): its record stays
		}
		records.setProperty(location, new Installed(-1 - aboveId, sha256, version, repository, 0).format());
		save();
	}

	/**
	 * Once, as the engine starts: each install that a crash left recorded only as an intent is decided. The bundle at
	 * its location is the engine's if its id is above those in use before the install and its version is the one
	 * installed; every other intent goes, so that no bundle installed there later is ever taken for the engine's.
	 *
	 * @param at the bundle installed at a location now, or {@code null}
	 */
	synchronized void settle(Function<String, Bundle> at) {
		boolean changed = false;
		for (String location : records.stringPropertyNames()) {
			Installed i = recorded(location);
			if (i == null || i.bundleId() >= 0) {
				continue;
			}
			Bundle b = at.apply(location);
			if (b != null && b.getBundleId() > -1 - i.bundleId() && (i.version() == null || i.version().equals(b.getVersion()))) {
				records.setProperty(location, new Installed(b.getBundleId(), i.sha256(), i.version(), i.repository(), 0).format());
				log.info("handler bundle {} at {}: installed by the engine before it stopped, recorded now", b.getBundleId(), location);
			} else {
				records.remove(location);
			}
			changed = true;
		}
		if (changed) {
			save();
		}
	}

	/** The install at the location failed: the intent recorded by {@link #installing} goes. */
	synchronized void notInstalled(String location) {
		Installed installed = recorded(location);
		if (installed != null && installed.bundleId() < 0) {
			records.remove(location);
			save();
		}
	}

	/** Records a bundle the engine installed (or updated) from an index entry of this version and SHA-256. */
	synchronized void add(Bundle b, String sha256, Version version, String repository) {
		records.setProperty(b.getLocation(), new Installed(b.getBundleId(), sha256, version, repository, 0).format());
		save();
	}

	synchronized boolean contains(Bundle b) {
		return get(b) != null;
	}

	/** @return what the engine installed as this bundle, or {@code null} if it did not install it */
	synchronized Installed get(Bundle b) {
		Installed installed = recorded(b.getLocation());
		return installed != null && installed.bundleId() == b.getBundleId() ? installed : null;
	}

	/** @return the record at the location, or {@code null} if there is none, or it cannot be read */
	private Installed recorded(String location) {
		String record = records.getProperty(location);
		return record == null ? null : Installed.parse(record);
	}

	/** Notes since when no job needs the bundle (0: one does); written only when it changes. */
	synchronized void idleSince(Bundle b, long millis) {
		Installed i = get(b);
		if (i != null && i.idleSince() != millis) {
			records.setProperty(b.getLocation(), new Installed(i.bundleId(), i.sha256(), i.version(), i.repository(), millis).format());
			save();
		}
	}

	/** Forgets an uninstalled bundle. */
	synchronized void remove(Bundle b) {
		if (get(b) != null) {
			records.remove(b.getLocation());
			save();
		}
	}

	private void save() {
		if (file == null) {
			return;
		}
		try {
			Files.createDirectories(file.toAbsolutePath().getParent()); // a data area outside the framework's (Karaf's) may not exist yet
			Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
			try (OutputStream out = Files.newOutputStream(tmp)) {
				records.store(out, "handler bundles the engine installed: location = bundle id, SHA-256, version, repository, idle since (ms)");
			}
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		} catch (IOException e) {
			log.error("the record of engine-installed handler bundles {} cannot be written: {}", file, e.toString());
		}
	}
}
