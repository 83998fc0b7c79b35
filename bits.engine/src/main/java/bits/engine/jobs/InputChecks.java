package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_STRING_TOO_LONG;
import static bits.api.ErrorCodes.E_INVALIDARG;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import bits.api.TransferException;
import bits.api.TransferManager;

/**
 * Checks of API arguments. Each check throws {@link TransferException} naming the argument and the problem, before
 * anything is changed (SPEC §5: bad input changes nothing).
 */
public final class InputChecks {
	/** The longest custom header block, counted as BITS counts it ("Name: value\r\n" lines plus a NUL). */
	public static final int MAX_CUSTOM_HEADERS = 16384;
	/** The remote schemes a download may use. */
	public static final Set<String> SCHEMES = Set.of("http", "https", "file");

	private InputChecks() {
	}

	public static String displayName(String name) {
		return bounded("display name", name, TransferManager.MAX_DISPLAY_NAME);
	}

	public static String description(String description) {
		return bounded("description", description, TransferManager.MAX_DESCRIPTION);
	}

	/**
	 * A handler id: {@code null} clears; otherwise not blank, no white space, at most the display name's length, and
	 * either {@code ID} or {@code ID;version=RANGE} with a valid OSGi version range (SPEC H8), kept as given.
	 */
	public static String handlerId(String id) {
		if (id != null && (id.isBlank() || !id.equals(id.strip()) || id.chars().anyMatch(Character::isWhitespace))) {
			throw new TransferException(E_INVALIDARG, "handler id \"" + id + "\" is blank or contains white space");
		}
		if (id == null) {
			return null;
		}
		bounded("handler id", id, TransferManager.MAX_DISPLAY_NAME);
		try {
			HandlerSpec.parse(id);
		} catch (IllegalArgumentException e) {
			throw new TransferException(E_INVALIDARG, e.getMessage());
		}
		return id;
	}

	private static String bounded(String what, String value, int max) {
		notNull(what, value);
		if (value.length() > max) {
			throw new TransferException(BG_E_STRING_TOO_LONG,
					what + " is " + value.length() + " characters long; the limit is " + max);
		}
		return value;
	}

	public static <T> T notNull(String what, T value) {
		if (value == null) {
			throw new TransferException(E_INVALIDARG, what + " is null");
		}
		return value;
	}

	/**
	 * @param remote a remote file URI
	 * @return the URI, with its scheme in lower case
	 */
	public static URI remote(URI remote) {
		notNull("remote URI", remote);
		if (!remote.isAbsolute() || remote.isOpaque()) {
			throw new TransferException(E_INVALIDARG,
					"remote URI '" + remote + "' is malformed: an absolute hierarchical URI such as https://host/path is needed");
		}
		String scheme = remote.getScheme().toLowerCase(Locale.ROOT);
		if (!SCHEMES.contains(scheme)) {
			throw new TransferException(E_INVALIDARG,
					"remote URI '" + remote + "' has the unsupported scheme '" + scheme + "'; supported: http, https, file");
		}
		if (!scheme.equals("file") && (remote.getHost() == null || remote.getHost().isEmpty())) {
			throw new TransferException(E_INVALIDARG, "remote URI '" + remote + "' is malformed: it names no host");
		}
		if (scheme.equals("file") && (remote.getPath() == null || remote.getPath().isEmpty() || remote.getPath().endsWith("/"))) {
			throw new TransferException(E_INVALIDARG, "remote URI '" + remote + "' names no file");
		}
		return scheme.equals(remote.getScheme()) ? remote : URI.create(scheme + remote.toString().substring(scheme.length()));
	}

	/**
	 * @param local a destination path
	 * @return the path, normalized
	 */
	public static Path local(Path local) {
		notNull("local path", local);
		if (!local.isAbsolute()) {
			throw new TransferException(E_INVALIDARG, "local path '" + local + "' is relative; an absolute path is needed");
		}
		for (Path element : local) {
			if (element.toString().equals("..")) {
				throw new TransferException(E_INVALIDARG, "local path '" + local + "' contains '..'; a path without it is needed");
			}
		}
		Path normal = local.normalize();
		if (normal.getFileName() == null) {
			throw new TransferException(E_INVALIDARG, "local path '" + local + "' names no file");
		}
		return normal;
	}

	/**
	 * @param what the property
	 * @param value a duration
	 * @return the duration, if not null and not negative
	 */
	public static Duration duration(String what, Duration value) {
		notNull(what, value);
		if (value.isNegative()) {
			throw new TransferException(E_INVALIDARG, what + " is negative: " + value);
		}
		return value;
	}

	/**
	 * @param headers custom request headers
	 * @return an ordered copy, if every name is an HTTP token, no value holds a line break, and the block fits BITS's
	 *         limit
	 */
	public static Map<String, String> headers(Map<String, String> headers) {
		notNull("custom headers", headers);
		Map<String, String> copy = new LinkedHashMap<>();
		int size = 1;
		for (Map.Entry<String, String> h : headers.entrySet()) {
			String name = notNull("custom header name", h.getKey());
			String value = notNull("value of custom header '" + name + "'", h.getValue());
			if (name.isEmpty() || !name.chars().allMatch(InputChecks::isTokenChar)) {
				throw new TransferException(E_INVALIDARG, "custom header name '" + name + "' is not an HTTP token");
			}
			if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
				throw new TransferException(E_INVALIDARG, "value of custom header '" + name + "' contains a line break");
			}
			size += name.length() + 2 + value.length() + 2;
			copy.put(name, value);
		}
		if (size > MAX_CUSTOM_HEADERS) {
			throw new TransferException(BG_E_STRING_TOO_LONG,
					"custom headers are " + size + " characters long; the limit is " + MAX_CUSTOM_HEADERS);
		}
		return copy;
	}

	private static boolean isTokenChar(int c) {
		return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
	}
}
