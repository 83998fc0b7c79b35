package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.engine.model.JobRecord;

/**
 * The SQLite adapter of the store port: the contract, and what is SQLite's own: one engine per store directory, the
 * schema version, the files' modes, sealing secrets a store of an older release holds in clear, a damaged file.
 */
class StoreTest extends JobStoreContractTest {
	@TempDir
	Path dir;
	@TempDir
	Path keys;

	@Override
	SqliteJobStore open() {
		return SqliteJobStore.open(dir, Secrets.open(keys.resolve("secrets.key")));
	}

	@Test
	void oneEnginePerStore() {
		try (SqliteJobStore s = open()) {
			StoreException e = assertThrows(StoreException.class, () -> open());
			assertTrue(e.getMessage().contains("is already open in this process (pid " + ProcessHandle.current().pid()), e.getMessage());
		}
		open().close(); // released on close
	}

	@Test
	void schemaVersionIsRecorded() throws Exception {
		open().close();
		try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db"));
				var r = c.createStatement().executeQuery("PRAGMA user_version")) {
			assertEquals(Schema.MIGRATIONS.size(), r.getInt(1));
		}
		try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db"));
				var r = c.createStatement().executeQuery("PRAGMA journal_mode")) {
			assertEquals("wal", r.getString(1));
		}
	}

	private static String contents(Path dir) throws Exception {
		StringBuilder all = new StringBuilder();
		try (var files = Files.list(dir)) {
			for (Path f : files.filter(Files::isRegularFile).toList()) {
				all.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
			}
		}
		return all.toString();
	}

	private static String mode(Path p) throws Exception {
		return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
	}

	@Test
	void secretsAreSealedAtRestAndTheStoreIsTheOwnersOnly() throws Exception { // README security
		JobRecord j = withCredentials(job(), new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "pa55-w0rd-XYZ"))
				.with(b -> b.settings(s -> s.with(p -> p.customHeaders(Map.of("X-Api-Key", "k3y-ABC-123")))));
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
			s.sync();
			String stored = contents(dir);
			assertFalse(stored.contains("pa55-w0rd-XYZ"), "the password is not in the database or its WAL in clear");
			assertFalse(stored.contains("k3y-ABC-123"), "nor a header value");
			assertEquals("rwx------", mode(dir));
			for (String f : List.of("bits.db", "bits.db-wal", "bits.lock")) {
				assertEquals("rw-------", mode(dir.resolve(f)), f);
			}
			assertEquals("rw-------", mode(keys.resolve("secrets.key")));
		}
		try (SqliteJobStore s = open()) {
			JobRecord back = s.load().jobs().get(0);
			assertEquals("pa55-w0rd-XYZ", back.settings().credentials().get(AuthTarget.SERVER).password());
			assertEquals("k3y-ABC-123", back.settings().customHeaders().get("X-Api-Key"));
		}
	}

	@Test
	void aStoreWrittenWithSecretsInClearIsSealedWhenOpened() throws Exception { // README security: the migration
		JobRecord j = withCredentials(job(), new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "x"));
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
		}
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			st.execute("UPDATE credential SET password = 'plain-secret-123'"); // as the engine of the last release wrote them
			st.execute("UPDATE job SET custom_headers = 'X-K: plain-header-456' || char(10)");
		}
		assertTrue(contents(dir).contains("plain-secret-123"));
		try (SqliteJobStore s = open()) {
			JobRecord back = s.load().jobs().get(0);
			assertEquals("plain-secret-123", back.settings().credentials().get(AuthTarget.SERVER).password());
			assertEquals("plain-header-456", back.settings().customHeaders().get("X-K"));
			String stored = contents(dir);
			assertFalse(stored.contains("plain-secret-123"), "sealed, and the clear text gone from the file and the WAL");
			assertFalse(stored.contains("plain-header-456"));
		}
	}

	@Test
	void aSecretSealedWithALostKeyIsDroppedWithAWarning() {
		JobRecord j = withCredentials(job(), new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "pw"));
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
		}
		try (SqliteJobStore s = SqliteJobStore.open(dir, Secrets.open(keys.resolve("another.key")))) {
			JobStore.Loaded loaded = s.load();
			assertTrue(loaded.jobs().get(0).settings().credentials().isEmpty());
			assertTrue(loaded.warnings().get(0).contains("cannot be opened with the key"), loaded.warnings().toString());
		}
	}

	@Test
	void aFailedCommitLeavesAUsableStore() { // README reliability: the next transaction does not join the failed one
		JobRecord ghost = job();
		JobRecord j = job("/d/b");
		try (SqliteJobStore s = open()) {
			StoreException e = assertThrows(StoreException.class, () -> s.transaction(w -> {
				s.execute("PRAGMA defer_foreign_keys = ON"); // the violation below fails the COMMIT, not the statement
				w.insertFiles(ghost.id(), ghost.files()); // a job the store does not have
			}));
			assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
			s.transaction(w -> w.insertJob(j));
			s.sync();
			List<JobRecord> jobs = s.load().jobs();
			assertEquals(1, jobs.size());
			assertEquals(j.id(), jobs.get(0).id());
		}
		try (SqliteJobStore s = open()) {
			assertEquals(1, s.load().jobs().size(), "committed for good, without the failed transaction's rows");
		}
	}

	@Test
	void anOrdinalLeftWhereANameBelongsIsAClearError() throws Exception {
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(job()));
		}
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			st.execute("UPDATE job SET state = 42");
		}
		try (SqliteJobStore s = open()) {
			StoreException e = assertThrows(StoreException.class, s::load);
			assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("state of job") && e.getMessage().contains("42"),
					e.getMessage());
		}
	}

	@Test
	void aDamagedDatabaseIsAClearErrorNamingTheStore() throws Exception {
		open().close();
		Files.write(dir.resolve("bits.db"), "this is not a database, it was damaged".repeat(200).getBytes(StandardCharsets.US_ASCII));
		Files.deleteIfExists(dir.resolve("bits.db-wal"));
		Files.deleteIfExists(dir.resolve("bits.db-shm"));
		StoreException e = assertThrows(StoreException.class, this::open);
		assertTrue(e.getMessage().contains("cannot open the store in " + dir) && e.getMessage().contains("not a database"), e.getMessage());
		assertFalse(e.getMessage().contains("in use"), e.getMessage());
		assertThrows(StoreException.class, this::open, "the lock was released: the same error again, not 'in use'");
	}

}
