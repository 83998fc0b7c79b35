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
 * The configured repository indexes, and only those (SPEC H3): file: and https:, or any with a pinned SHA-256. An index is read when first needed and kept; one that
 * cannot be read is reported and read again at the next lookup, so a repository that was down comes back.
 */
final class Repositories {
	/** A configured index: where it is and, if pinned, what its bytes must hash to. */
	record Entry(URI uri, String sha256) {
	}

	private static final Pattern PIN = Pattern.compile("(.*);sha256=([0-9a-fA-F]{64})");
	private final List<Entry> entries;
	private final Map<URI, RepositoryIndex> loaded = new ConcurrentHashMap<>();
	private final Logger log;
	private final Download download;
	private final BundleOrigins origins;

	Repositories(String[] urls, Download download, BundleOrigins origins, Logger log) {
		this.log = log;
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

	/** @return the indexes that could be read */
	List<RepositoryIndex> indexes() {
		List<RepositoryIndex> result = new ArrayList<>();
		for (Entry entry : entries) {
			URI uri = entry.uri();
			RepositoryIndex index = loaded.get(uri);
			if (index == null) {
				try {
					index = RepositoryIndex.load(uri, entry.sha256(), download);
					loaded.put(uri, index);
				} catch (IOException | RuntimeException e) {
					log.error("handler repository {} cannot be read: {}", uri, e.getMessage() == null ? e.toString() : e.getMessage());
					continue;
				}
			}
			result.add(index);
		}
		return result;
	}

	/** @return the indexes read so far, in the configured order, without reading any (no I/O) */
	List<RepositoryIndex> loaded() {
		List<RepositoryIndex> result = new ArrayList<>();
		for (Entry entry : entries) {
			RepositoryIndex index = loaded.get(entry.uri());
			if (index != null) {
				result.add(index);
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
