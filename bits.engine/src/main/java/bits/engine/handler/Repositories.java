package bits.engine.handler;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.service.log.Logger;

/**
 * The configured repository indexes, and only those (SPEC H3). An index is read when first needed and kept; one that
 * cannot be read is reported and read again at the next lookup, so a repository that was down comes back.
 */
final class Repositories {
	private final List<URI> uris;
	private final Map<URI, RepositoryIndex> loaded = new ConcurrentHashMap<>();
	private final Logger log;

	Repositories(String[] urls, Logger log) {
		this.log = log;
		List<URI> list = new ArrayList<>();
		for (String url : urls) {
			String u = url.trim();
			if (u.isEmpty()) {
				continue;
			}
			URI uri = URI.create(u);
			String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
			if (!(scheme.equals("file") || scheme.equals("http") || scheme.equals("https"))) {
				log.error("handler repository {} is ignored: only file:, http: and https: URLs are supported", u);
				continue;
			}
			list.add(uri);
		}
		this.uris = List.copyOf(list);
	}

	List<URI> uris() {
		return uris;
	}

	/** @return the indexes that could be read */
	List<RepositoryIndex> indexes() {
		List<RepositoryIndex> result = new ArrayList<>();
		for (URI uri : uris) {
			RepositoryIndex index = loaded.get(uri);
			if (index == null) {
				try {
					index = RepositoryIndex.load(uri);
					loaded.put(uri, index);
				} catch (IOException | RuntimeException e) {
					log.error("handler repository {} cannot be read: {}", uri, e.toString());
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
		for (URI uri : uris) {
			RepositoryIndex index = loaded.get(uri);
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
	String source(org.osgi.resource.Resource r) {
		for (RepositoryIndex index : loaded()) {
			if (index.resources().contains(r)) {
				return index.uri().toString();
			}
		}
		return "?";
	}
}
