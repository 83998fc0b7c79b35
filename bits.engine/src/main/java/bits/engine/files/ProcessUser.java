package bits.engine.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The user the engine runs as, by uid, as Linux reports it in /proc; elsewhere unknown. */
final class ProcessUser {
	private static volatile Integer uid;
	private static volatile boolean read;

	private ProcessUser() {
	}

	/** @return the process's real uid, or {@code null} where it cannot be read */
	static Integer uid() {
		if (!read) {
			uid = fromProc();
			read = true;
		}
		return uid;
	}

	private static Integer fromProc() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith("Uid:")) {
					return Integer.valueOf(line.substring(4).trim().split("\\s+")[0]);
				}
			}
		} catch (IOException | RuntimeException e) {
			// not Linux
		}
		return null;
	}
}
