package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Maven on a project outside this build, as its author would: the mvn on the PATH, the same local repository
 * (where `mvn install` put bits), offline when this build is.
 */
final class Maven {
	private Maven() {
	}

	/** Runs {@code mvn -B ARGS} in {@code dir}; fails the test, showing Maven's output, unless it succeeds. */
	static String run(Path dir, String... args) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("mvn", "-B", "-ntp"));
		if (System.getProperty("bits.maven.offline", "").endsWith("=true")) {
			command.add("-o");
		}
		command.addAll(List.of(args));
		Path log = Files.createTempFile(dir, "mvn", ".log");
		Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		if (!p.waitFor(10, TimeUnit.MINUTES)) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
			throw new AssertionError("mvn did not end in 10 minutes: " + Files.readString(log));
		}
		String out = Files.readString(log);
		assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " in " + dir + " failed:\n" + out);
		return out;
	}

	/** A property of this build, which surefire passes (cnf/pom.xml). */
	static String property(String name) {
		String value = System.getProperty(name);
		assertTrue(value != null && !value.isBlank(), "system property " + name + " is not set (run the tests through Maven)");
		return value;
	}
}
