package bits.engine.handler;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;
import org.osgi.service.log.Logger;

/**
 * The configured repository indexes, and only those (SPEC H3): file: and https:, or any with a pinned SHA-256. An index is
 * read when first needed and kept; one that cannot be read is reported and read again at the next lookup, so a
 * repository that was down comes back. A kept index is read again when it may have changed (SPEC H7): a {@code file:}
 * index when its file's modification time, size or identity changed (checked at each lookup, without reading it), any
 * other once it is older than the refresh interval; if the new reading fails, the one kept stays in use until the next
 * change or interval.
 */
final class Repositories {
	/** A configured index: where it is and, if pinned, what its bytes must hash to. */
	record Entry(URI uri, String sha256) {
	}

	private static final Pattern PIN = Pattern.compile("(.*);sha256=([0-9a-fA-F]{64})");
	/** An index as read, and what tells whether it may have changed since. */
	private record Loaded(RepositoryIndex index, Object stamp, long readNanos) {
	}

	private final List<Entry> entries;
	private final Map<URI, Loaded> loaded = new ConcurrentHashMap<>();
	private final long refreshNanos;
	private final Logger log;
	private final Download download;
	private final BundleOrigins origins;

	/** @param refresh how long an index other than a {@code file:} one is used before it is read again */
	Repositories(String[] urls, Download download, BundleOrigins origins, java.time.Duration refresh, Logger log) {
		this.log = log;
		this.refreshNanos = Math.max(0, refresh.toNanos());
		this.download = download;
		this.origins = origins;
		List<Entry> list = new ArrayList<>();
		for (String url : urls) {
			String u = url.trim();
			if (u.isEmpty()) {
				continue;
			}
			Matcher pinned = PIN.matcher(u);
			String pin = pinned.matches() ? pinned.group(2).toLowerCase(Locale.ROOT) : null;
			URI uri = URI.create(pin == null ? u : pinned.group(1));
			String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
			if (!(scheme.equals("file") || scheme.equals("http") || scheme.equals("https"))) {
				log.error("handler repository {} is ignored: only file:, http: and https: URLs are supported", u);
				continue;
			}
			if (scheme.equals("http") && pin == null) {
				// anyone on the path could rewrite the index, and with it the SHA-256s it names
				log.error("handler repository {} is ignored: a plain http: index could be altered on the way; use https:, or pin the"
						+ " index's SHA-256 as {};sha256=<64 hex digits of the index file>", u, u);
				continue;
			}
			list.add(new Entry(uri, pin));
		}
		this.entries = List.copyOf(list);
	}

	/** @return the rule a bundle URL of this index breaks, or {@code null} if it may be downloaded */
	String refusal(Resource r, URI bundle) {
		for (RepositoryIndex index : loaded()) {
			if (index.resources().contains(r)) {
				return origins.refusal(index.uri(), bundle);
			}
		}
		return "bundle URL " + bundle + " belongs to no configured index; refused, nothing installed";
	}

	Download download() {
		return download;
	}

	/** @return the indexes that could be read, each read again if it may have changed */
	List<RepositoryIndex> indexes() {
		return indexes(false);
	}

	/**
	 * @param reread whether to read every index again now, changed or not
	 * @return the indexes that could be read
	 */
	List<RepositoryIndex> indexes(boolean reread) {
		List<RepositoryIndex> result = new ArrayList<>();
		for (Entry entry : entries) {
			URI uri = entry.uri();
			Loaded kept = loaded.get(uri);
			Object stamp = stamp(uri);
			if (kept == null || reread || !java.util.Objects.equals(stamp, kept.stamp())
					|| (stamp == null && System.nanoTime() - kept.readNanos() > refreshNanos)) {
				try {
					Loaded read = new Loaded(RepositoryIndex.load(uri, entry.sha256(), download), stamp, System.nanoTime());
					loaded.put(uri, read);
					kept = read;
				} catch (IOException | RuntimeException e) {
					log.error("handler repository {} cannot be read{}: {}", uri, kept == null ? "" : " again (the last reading is kept)",
							e.getMessage() == null ? e.toString() : e.getMessage());
					if (kept == null) {
						continue;
					}
					// tried again when the file changes again, or after the refresh interval: a repository that is down
					// must not cost every notification a timeout
					kept = new Loaded(kept.index(), stamp, System.nanoTime());
					loaded.put(uri, kept);
				}
			}
			result.add(kept.index());
		}
		return result;
	}

	/** @return what changes when a {@code file:} index changes (time, size, file identity), or {@code null} for another */
	private static Object stamp(URI uri) {
		if (!"file".equalsIgnoreCase(uri.getScheme())) {
			return null;
		}
		try {
			java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(java.nio.file.Path.of(uri),
					java.nio.file.attribute.BasicFileAttributes.class);
			return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
		} catch (IOException | RuntimeException e) {
			return "unreadable"; // read (and reported) again once it can be
		}
	}

	/** @return the indexes read so far, in the configured order, without reading any (no I/O) */
	List<RepositoryIndex> loaded() {
		List<RepositoryIndex> result = new ArrayList<>();
		for (Entry entry : entries) {
			Loaded kept = loaded.get(entry.uri());
			if (kept != null) {
				result.add(kept.index());
			}
		}
		return result;
	}

	/** @return the capabilities of all indexes that satisfy the requirement, in the configured order */
	List<Capability> providers(Requirement requirement) {
		return providers(indexes(), requirement);
	}

	static List<Capability> providers(List<RepositoryIndex> indexes, Requirement requirement) {
		List<Capability> found = new ArrayList<>();
		for (RepositoryIndex index : indexes) {
			found.addAll(index.providers(requirement));
		}
		return found;
	}

	/** @return the index a resource came from, for messages and listings */
	String source(Resource r) {
		for (RepositoryIndex index : loaded()) {
			if (index.resources().contains(r)) {
				return index.uri().toString();
			}
		}
		return "?";
	}
}
