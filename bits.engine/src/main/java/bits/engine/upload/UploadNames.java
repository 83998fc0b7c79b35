package bits.engine.upload;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The names a client may give an upload: a relative path of plain segments under the endpoint's directory, into a
 * directory that exists there. Nothing a client sends can name a place outside it, or the server's own sessions.
 */
final class UploadNames {
	static final int MAX_LENGTH = 1024;

	private UploadNames() {
	}

	/**
	 * @return why {@code name} is refused, or null if it is a good name: no empty, {@code .} or {@code ..} segment, no
	 *         backslash or control character, not under {@value UploadSessions#AREA}, at most {@value #MAX_LENGTH}
	 *         characters
	 */
	static String problem(String name) {
		if (name == null || name.isEmpty()) {
			return "no file name: the upload's URL names the file under the endpoint's path";
		}
		if (name.length() > MAX_LENGTH) {
			return "the file name is longer than " + MAX_LENGTH + " characters";
		}
		if (name.chars().anyMatch(c -> c == '\\' || Character.isISOControl(c))) {
			return "the file name '" + printable(name) + "' has a backslash or a control character";
		}
		String[] segments = name.split("/", -1);
		for (String s : segments) {
			if (s.isEmpty() || s.equals(".") || s.equals("..")) {
				return "the file name '" + name + "' has an empty, '.' or '..' segment";
			}
			if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
				return "the file name '" + name + "' has a segment longer than 255 bytes, more than a file system takes";
			}
		}
		if (segments[0].equals(UploadSessions.AREA)) {
			return "the file name '" + name + "' is in the server's own directory " + UploadSessions.AREA;
		}
		return null;
	}

	/**
	 * The destination of a checked name, checked again on the disk: its directory exists and, links resolved, lies
	 * under the endpoint's directory (a link planted there that points elsewhere is outside).
	 *
	 * @param root the endpoint's directory, as a real path
	 * @throws SessionException BAD_NAME otherwise
	 */
	static Path destination(Path root, String name) throws SessionException {
		String problem = problem(name);
		if (problem != null) {
			throw new SessionException(SessionException.Reason.BAD_NAME, problem);
		}
		Path destination = root.resolve(name).normalize();
		Path parent = destination.getParent();
		try {
			Path real = parent.toRealPath();
			if (!real.startsWith(root)) {
				throw new SessionException(SessionException.Reason.BAD_NAME, "the directory of '" + name + "' lies outside the endpoint's directory");
			}
		} catch (IOException e) {
			throw new SessionException(SessionException.Reason.BAD_NAME, "no directory for '" + name + "' under the endpoint's directory");
		}
		return destination;
	}

	private static String printable(String s) {
		StringBuilder b = new StringBuilder();
		s.chars().forEach(c -> b.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
		return b.toString();
	}
}
