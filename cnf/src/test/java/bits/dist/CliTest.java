package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/** The ./bits command line (issue 6): one bits: command per run against a store, exit status 0 or 1 with one line. */
class CliTest {
	@TempDir
	Path tmp;

	record Result(int status, String out, String err) {
	}

	private Result bits(String... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of("sh", System.getProperty("bits.wrapper"), "--store", tmp.resolve("store").toString()));
		cmd.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "./bits " + List.of(args) + " did not end");
		return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
				Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
	}

	@Test
	void oneCommandPerRunDownloadsAFile() throws Exception {
		byte[] data = new byte[300_000];
		new Random(3).nextBytes(data);
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("c.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/c.bin"), data);
			Result created = bits("create", "nightly build");
			assertEquals(0, created.status(), created.err());
			assertTrue(created.out().trim().matches("[0-9a-f-]{36}"), created.out());
			assertEquals(0, bits("addfile", "nightly build", nginx.uri("/files/c.bin").toString(), dest.toString()).status());
			assertEquals(0, bits("setpriority", "nightly build", "FOREGROUND").status());
			assertEquals(0, bits("resume", "nightly build").status());
			Result waited = bits("wait", "nightly build"); // the engine runs until the job is transferred
			assertEquals("TRANSFERRED", waited.out().trim(), waited.err());
			assertTrue(bits("list").out().contains("TRANSFERRED"));
			assertEquals(0, bits("complete", "nightly build").status());
			assertArrayEquals(data, Files.readAllBytes(dest));
		}
	}

	@Test
	void aBadCommandExitsOneWithOneLine() throws Exception {
		Result r = bits("info", "nosuch");
		assertEquals(1, r.status());
		assertEquals("bits: no job with id, id prefix or display name 'nosuch'", r.err().trim());
		Result flags = bits("create", "x");
		assertEquals(0, flags.status());
		Result bad = bits("setnotifyflags", "x", "BOGUS");
		assertEquals(1, bad.status());
		assertTrue(bad.err().trim().startsWith("bits: notify flag 'BOGUS' is not one of"), bad.err());
		assertEquals("JOB_TRANSFERRED JOB_ERROR (3)", bits("getnotifyflags", "x").out().trim());
	}

	@Test
	void waitFailsUnlessTheJobWasTransferred() throws Exception {
		try (Nginx nginx = Nginx.start(tmp)) {
			assertEquals(0, bits("create", "missing").status());
			assertEquals(0, bits("addfile", "missing", nginx.uri("/files/none.bin").toString(), tmp.resolve("none.bin").toString()).status());
			assertEquals(0, bits("resume", "missing").status());
			Result waited = bits("wait", "--all");
			assertEquals(1, waited.status(), waited.out());
			assertTrue(waited.err().startsWith("bits: 'missing' is ERROR: "), waited.err());
			assertTrue(waited.err().contains("404"), waited.err());
		}
	}
}
