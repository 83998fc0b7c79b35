package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store the engine cannot read gives a clear one-line error naming the store and the problem, never the misleading
 * "in use by process N" (the failing JVM itself), and the store directory is the owner's only (README "Security").
 */
class StoreErrorsTest {
	@TempDir
	Path tmp;

	private String[] bits(String... args) throws Exception {
		List<String> cmd = new java.util.ArrayList<>(List.of("sh", System.getProperty("bits.wrapper"), "--store", tmp.resolve("store").toString()));
		cmd.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
		pb.environment().put("BITS_NO_BUILD", "1");
		Process p = pb.start();
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "./bits " + List.of(args) + " did not end");
		return new String[] { Integer.toString(p.exitValue()), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
				Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8) };
	}

	@Test
	void anUnknownStoredValueNamesTheStoreAndTheValue() throws Exception {
		String[] created = bits("create", "x");
		assertEquals("0", created[0], created[2]);
		Path store = tmp.resolve("store").toRealPath();
		assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
		assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve("bits.db"))));
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("bits.db")); var s = c.createStatement()) {
			s.execute("UPDATE job SET state = 42");
		}
		String[] listed = bits("list", "--all");
		assertEquals("1", listed[0]);
		assertTrue(listed[2].contains("cannot read the store in " + store) && listed[2].contains("42"), listed[2]);
		assertFalse(listed[2].contains("in use"), listed[2]);
	}

	@Test
	void aDamagedDatabaseNamesTheStore() throws Exception {
		assertEquals("0", bits("create", "x")[0]);
		Path store = tmp.resolve("store").toRealPath();
		Files.write(store.resolve("bits.db"), "not a database ".repeat(500).getBytes(StandardCharsets.US_ASCII));
		Files.deleteIfExists(store.resolve("bits.db-wal"));
		Files.deleteIfExists(store.resolve("bits.db-shm"));
		String[] listed = bits("list", "--all");
		assertEquals("1", listed[0]);
		assertTrue(listed[2].contains("cannot open the store in " + store) && listed[2].contains("not a database"), listed[2]);
		assertFalse(listed[2].contains("in use"), listed[2]);
	}
}
