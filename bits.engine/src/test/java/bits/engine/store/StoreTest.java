package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.ProxyUsage;
import bits.api.RedirectPolicy;
import bits.api.ValidationState;

/** The SQLite store keeps every job property and checkpoint across a reopen (SPEC J7), one engine at a time. */
class StoreTest {
	@TempDir
	Path dir;
	@TempDir
	Path keys;

	private Store open() {
		return Store.open(dir, Secrets.open(keys.resolve("secrets.key")));
	}

	private static JobRow job() {
		JobRow j = new JobRow(UUID.randomUUID(), "owner.bundle", JobType.DOWNLOAD, "name", Instant.now().truncatedTo(ChronoUnit.MILLIS));
		j.files.add(new FileRow(0, URI.create("https://h/a"), Path.of("/d/a"), Path.of("/d/.a.tmp")));
		return j;
	}

	@Test
	void everyPropertySurvivesAReopen() {
		JobRow j = job();
		try (Store s = open()) {
			s.insertJob(j);
			j.state = JobState.TRANSIENT_ERROR;
			j.description = "desc";
			j.priority = JobPriority.LOW;
			j.minimumRetryDelay = Duration.ofSeconds(7);
			j.noProgressTimeout = Duration.ofSeconds(9);
			j.minimumNotificationInterval = Duration.ofMillis(250);
			j.customHeaders.put("X-A", "1");
			j.customHeaders.put("X-B", "two words");
			j.credentials.put(AuthTarget.SERVER, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u", "p"));
			j.proxySettings = new ProxySettings(ProxyUsage.OVERRIDE, List.of("p1:3128", "p2:8080"), List.of("*.local"));
			j.maxDownloadSize = 12345;
			j.redirectPolicy = RedirectPolicy.DISALLOW;
			j.notifyFlags = EnumSet.of(NotifyFlag.JOB_MODIFICATION);
			j.handlerId = "h.id";
			j.error = new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503), "busy", 0);
			j.retryAt = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
			s.updateJob(j);
			FileRow f = j.files.get(0);
			f.bytesTotal = 100;
			f.bytesTransferred = 40;
			f.validator = "\"etag\"";
			f.validation = ValidationState.VALID;
			s.updateFile(j, f);
		}
		try (Store s = open()) {
			List<JobRow> all = s.loadJobs();
			assertEquals(1, all.size());
			JobRow r = all.get(0);
			assertEquals(j.id, r.id);
			assertEquals(JobState.TRANSIENT_ERROR, r.state);
			assertEquals("desc", r.description);
			assertEquals(JobPriority.LOW, r.priority);
			assertEquals(Duration.ofSeconds(7), r.minimumRetryDelay);
			assertEquals(Duration.ofMillis(250), r.minimumNotificationInterval);
			assertEquals(j.customHeaders, r.customHeaders);
			assertEquals("p", r.credentials.get(AuthTarget.SERVER).password());
			assertEquals(j.proxySettings, r.proxySettings);
			assertEquals(12345, r.maxDownloadSize);
			assertEquals(RedirectPolicy.DISALLOW, r.redirectPolicy);
			assertEquals(EnumSet.of(NotifyFlag.JOB_MODIFICATION), r.notifyFlags);
			assertEquals("h.id", r.handlerId);
			assertEquals(j.error, r.error);
			assertNull(r.notificationError);
			assertEquals(j.retryAt, r.retryAt);
			assertEquals(j.created, r.created);
			FileRow f = r.files.get(0);
			assertEquals(40, f.bytesTransferred);
			assertEquals(100, f.bytesTotal);
			assertEquals("\"etag\"", f.validator);
			assertEquals(ValidationState.VALID, f.validation);
			s.deleteJob(j.id);
			assertTrue(s.loadJobs().isEmpty());
		}
	}

	@Test
	void aFailedTransactionChangesNothing() {
		JobRow j = job();
		try (Store s = open()) {
			s.insertJob(j);
			JobRow other = job(); // same destination: the UNIQUE constraint refuses the second insert
			assertThrows(StoreException.class, () -> s.transaction(() -> {
				j.description = "changed";
				s.updateJob(j);
				s.insertJob(other);
			}));
			assertEquals("", s.loadJobs().get(0).description);
			assertEquals(1, s.loadJobs().size());
		}
	}

	@Test
	void oneEnginePerStore() {
		try (Store s = open()) {
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
		JobRow j = job();
		j.credentials.put(AuthTarget.SERVER, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "pa55-w0rd-XYZ"));
		j.customHeaders.put("X-Api-Key", "k3y-ABC-123");
		try (Store s = open()) {
			s.insertJob(j);
			String stored = contents(dir);
			assertFalse(stored.contains("pa55-w0rd-XYZ"), "the password is not in the database or its WAL in clear");
			assertFalse(stored.contains("k3y-ABC-123"), "nor a header value");
			assertEquals("rwx------", mode(dir));
			for (String f : List.of("bits.db", "bits.db-wal", "bits.lock")) {
				assertEquals("rw-------", mode(dir.resolve(f)), f);
			}
			assertEquals("rw-------", mode(keys.resolve("secrets.key")));
		}
		try (Store s = open()) {
			JobRow back = s.loadJobs().get(0);
			assertEquals("pa55-w0rd-XYZ", back.credentials.get(AuthTarget.SERVER).password());
			assertEquals("k3y-ABC-123", back.customHeaders.get("X-Api-Key"));
		}
	}

	@Test
	void aStoreWrittenWithSecretsInClearIsSealedWhenOpened() throws Exception { // README security: the migration
		JobRow j = job();
		j.credentials.put(AuthTarget.SERVER, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "x"));
		try (Store s = open()) {
			s.insertJob(j);
		}
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			st.execute("UPDATE credential SET password = 'plain-secret-123'"); // as the engine of the last release wrote them
			st.execute("UPDATE job SET custom_headers = 'X-K: plain-header-456' || char(10)");
		}
		assertTrue(contents(dir).contains("plain-secret-123"));
		try (Store s = open()) {
			JobRow back = s.loadJobs().get(0);
			assertEquals("plain-secret-123", back.credentials.get(AuthTarget.SERVER).password());
			assertEquals("plain-header-456", back.customHeaders.get("X-K"));
			String stored = contents(dir);
			assertFalse(stored.contains("plain-secret-123"), "sealed, and the clear text gone from the file and the WAL");
			assertFalse(stored.contains("plain-header-456"));
		}
	}

	@Test
	void aSecretSealedWithALostKeyIsDroppedWithAWarning() {
		JobRow j = job();
		j.credentials.put(AuthTarget.SERVER, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "pw"));
		try (Store s = open()) {
			s.insertJob(j);
		}
		try (Store s = Store.open(dir, Secrets.open(keys.resolve("another.key")))) {
			JobRow back = s.loadJobs().get(0);
			assertTrue(back.credentials.isEmpty());
			assertTrue(s.loadWarnings().get(0).contains("cannot be opened with the key"), s.loadWarnings().toString());
		}
	}

	@Test
	void aFailedCommitLeavesAUsableStore() { // README reliability: the next transaction does not join the failed one
		JobRow ghost = job();
		JobRow j = job();
		j.files.clear();
		j.files.add(new FileRow(0, URI.create("https://h/b"), Path.of("/d/b"), Path.of("/d/.b.tmp")));
		try (Store s = open()) {
			StoreException e = assertThrows(StoreException.class, () -> s.transaction(() -> {
				s.execute("PRAGMA defer_foreign_keys = ON"); // the violation below fails the COMMIT, not the statement
				s.insertFiles(ghost, ghost.files); // a job the store does not have
			}));
			assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
			s.insertJob(j);
			List<JobRow> jobs = s.loadJobs();
			assertEquals(1, jobs.size());
			assertEquals(j.id, jobs.get(0).id);
		}
		try (Store s = open()) {
			assertEquals(1, s.loadJobs().size(), "committed for good, without the failed transaction's rows");
		}
	}

	@Test
	void anUnknownStoredValueIsAClearErrorNamingTheStore() throws Exception {
		try (Store s = open()) {
			s.insertJob(job());
		}
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			st.execute("UPDATE job SET state = 42");
		}
		try (Store s = open()) {
			StoreException e = assertThrows(StoreException.class, s::loadJobs);
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

	@Test
	void theJournalOutlivesTheJobAndAReopenUntilPrunedAndKeepsKindsByName() throws Exception { // S3, C1
		JobRow j = job();
		JobRow other = new JobRow(UUID.randomUUID(), "someone.else", JobType.DOWNLOAD, "x", Instant.now());
		long first;
		try (Store s = open()) {
			s.insertJob(j);
			s.insertJob(other);
			first = s.insertJournal(j, Notice.Kind.FILE_TRANSFERRED, 0).id();
			s.insertJournal(other, Notice.Kind.JOB_ERROR, -1);
			s.insertJournal(j, Notice.Kind.JOB_TRANSFERRED, -1);
			s.deleteJob(j.id);
		}
		try (Store s = open()) {
			assertEquals(List.of(Notice.Kind.FILE_TRANSFERRED, Notice.Kind.JOB_TRANSFERRED),
					s.journal(0, "owner.bundle", null, 10).stream().map(JournalEntry::kind).toList());
			assertEquals(List.of(Notice.Kind.JOB_TRANSFERRED), s.journal(first, null, j.id, 10).stream().map(JournalEntry::kind).toList());
			assertEquals(2, s.journal(0, null, null, 2).size(), "the limit");
			assertEquals(3, s.journal(0, null, null, 10).size());
			assertEquals(s.journal(0, null, null, 10).get(2).id(), s.lastJournalId());
			s.execute("UPDATE journal SET kind = 'SOMETHING_NEW' WHERE id = " + first);
			StoreException e = assertThrows(StoreException.class, () -> s.journal(0, null, null, 10));
			assertTrue(e.getMessage().contains("SOMETHING_NEW"), e.getMessage());
			s.execute("UPDATE journal SET kind = 'FILE_TRANSFERRED' WHERE id = " + first);
			s.pruneJournal(Instant.now().plusSeconds(1));
			assertEquals(List.of(), s.journal(0, null, null, 10));
			assertTrue(s.lastJournalId() == 0);
		}
	}
}
