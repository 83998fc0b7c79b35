package bits.engine.handler;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where an index's bundles may come from: under the index's own origin (same scheme, host and port for http(s), so an
 * https index never sends the engine to http; for a {@code file:} index, a file under its directory), or under one of
 * the configured roots. An index trusted for what it lists must not be able to point the engine anywhere else.
 */
final class BundleOrigins {
	static final String ROOTS = "handler.bundle.roots";

	private final List<URI> roots;

	BundleOrigins(String[] roots) {
		List<URI> list = new ArrayList<>();
		for (String r : roots) {
			String root = r.trim();
			if (!root.isEmpty()) {
				list.add(URI.create(root.endsWith("/") ? root : root + "/").normalize()); // a root is a directory
			}
		}
		this.roots = List.copyOf(list);
	}

	/** @return why the bundle URL is refused, or {@code null} if it may be downloaded */
	String refusal(URI index, URI bundle) {
		if (under(directory(index), bundle)) {
			return null;
		}
		for (URI root : roots) {
			if (under(root, bundle)) {
				return null;
			}
		}
		return "bundle URL " + bundle + " is outside its index's origin (" + directory(index)
				+ ") and under none of the configured " + ROOTS + " " + roots + "; refused, nothing installed";
	}

	private static URI directory(URI index) {
		return index.resolve(".").normalize();
	}

	/** @return whether the URL is the directory's or below it, compared as paths, never as strings */
	static boolean under(URI directory, URI url) {
		String scheme = lower(directory.getScheme());
		if (!scheme.equals(lower(url.getScheme())) || url.isOpaque() || directory.isOpaque()) {
			return false;
		}
		if (scheme.equals("file")) {
			try {
				return Path.of(url).normalize().startsWith(Path.of(directory).normalize());
			} catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
				return false; // file://host/... and the like: not a local path
			}
		}
		if (!lower(directory.getHost()).equals(lower(url.getHost())) || port(directory) != port(url)) {
			return false;
		}
		String path = url.normalize().getPath();
		String dir = directory.getPath() == null || directory.getPath().isEmpty() ? "/" : directory.getPath();
		return path != null && !path.contains("/../") && path.startsWith(dir);
	}

	private static int port(URI u) {
		if (u.getPort() >= 0) {
			return u.getPort();
		}
		return switch (lower(u.getScheme())) {
		case "http" -> 80;
		case "https" -> 443;
		default -> -1;
		};
	}

	private static String lower(String s) {
		return s == null ? "" : s.toLowerCase(Locale.ROOT);
	}
}
