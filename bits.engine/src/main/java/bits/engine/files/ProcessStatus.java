package bits.engine.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux reports of this process in /proc/self/status (its uid, its umask); elsewhere nothing. */
final class ProcessStatus {
	private ProcessStatus() {
	}

	/** @return the process's real uid, or {@code null} where it cannot be read */
	static Integer uid() {
		String uids = field("Uid");
		return uids == null ? null : Integer.valueOf(uids.split("\\s+")[0]);
	}

	/** @return the value of a field of /proc/self/status, or {@code null} */
	static String field(String name) {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith(name + ":")) {
					return line.substring(name.length() + 1).trim();
				}
			}
		} catch (IOException | RuntimeException e) {
			// not Linux
		}
		return null;
	}
}
