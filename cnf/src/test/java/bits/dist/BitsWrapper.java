package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code ./bits} wrapper the distribution tests run, on the build's distribution (never rebuilt by the test). */
final class BitsWrapper {
	private BitsWrapper() {
	}

	/** Runs {@code ./bits --store STORE ARGS}, its output to {@code log}, and expects exit status 0; @return its output */
	static String run(Path store, Path log, String... args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of("sh", System.getProperty("bits.wrapper"), "--store", store.toString()));
		cmd.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		assertTrue(p.waitFor(180, TimeUnit.SECONDS), "./bits " + List.of(args) + " did not end");
		String output = Files.readString(log);
		assertEquals(0, p.exitValue(), "./bits " + List.of(args) + ": " + output);
		return output;
	}
}
