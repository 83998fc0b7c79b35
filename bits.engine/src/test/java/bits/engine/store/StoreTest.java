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
import bits.api.TransferJob;
import bits.api.ValidationState;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.JournalEntry;
import bits.engine.model.Notice;

/**
 * The SQLite adapter of the store port keeps every job property and checkpoint across a reopen (SPEC J7), one engine at
 * a time; a transaction is all or nothing, and transactions do not nest.
 */
class StoreTest {
	@TempDir
	Path dir;
	@TempDir
	Path keys;

	private SqliteJobStore open() {
		return SqliteJobStore.open(dir, Secrets.open(keys.resolve("secrets.key")));
	}

	private static JobRecord job(String local) {
		return JobRecord.created(UUID.randomUUID(), "owner.bundle", JobType.DOWNLOAD,
				JobSettings.defaults("name", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT),
				Instant.now().truncatedTo(ChronoUnit.MILLIS))
				.with(b -> b.addFiles(List.of(FileRecord.added(0, URI.create("https://h/a"), Path.of(local), Path.of(local + ".tmp")))));
	}

	private static JobRecord job() {
		return job("/d/a");
	}

	private static JobRecord withCredentials(JobRecord j, Credentials c) {
		return j.with(b -> b.settings(s -> s.with(p -> p.credentials(c))));
	}

	@Test
	void everyPropertySurvivesAReopen() {
		JobRecord inserted = job();
		JobRecord j = inserted.with(b -> b.state(JobState.TRANSIENT_ERROR)
				.settings(s -> s.with(p -> p.description("desc").priority(JobPriority.LOW).minimumRetryDelay(Duration.ofSeconds(7))
						.noProgressTimeout(Duration.ofSeconds(9)).minimumNotificationInterval(Duration.ofMillis(250))
						.customHeaders(orderedHeaders())
						.credentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u", "p"))
						.proxySettings(new ProxySettings(ProxyUsage.OVERRIDE, List.of("p1:3128", "p2:8080"), List.of("*.local")))
						.maxDownloadSize(12345).redirectPolicy(RedirectPolicy.DISALLOW).notifyFlags(EnumSet.of(NotifyFlag.JOB_MODIFICATION))
						.handlerId("h.id")))
				.error(new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503), "busy", 0))
				.retryAt(Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS))
				.file(inserted.files().get(0).checkpointed(40, 100, "\"etag\"", false).withValidation(ValidationState.VALID)));
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(inserted));
			s.transaction(w -> {
				w.updateJob(j);
				w.updateFile(j.id(), j.files().get(0));
			});
		}
		try (SqliteJobStore s = open()) {
			List<JobRecord> all = s.load().jobs();
			assertEquals(List.of(j), all, "every property, the file's progress and the credentials, equal");
			JobRecord r = all.get(0);
			assertEquals(List.of("X-B", "X-A"), List.copyOf(r.settings().customHeaders().keySet()), "the headers in their order");
			assertEquals("p", r.settings().credentials().get(AuthTarget.SERVER).password());
			assertNull(r.notificationError());
			s.transaction(w -> w.deleteJob(j.id()));
			assertTrue(s.load().jobs().isEmpty());
		}
	}

	private static java.util.Map<String, String> orderedHeaders() {
		java.util.Map<String, String> h = new java.util.LinkedHashMap<>();
		h.put("X-B", "two words");
		h.put("X-A", "1");
		return h;
	}

	@Test
	void aFailedTransactionChangesNothing() {
		JobRecord j = job();
		try (SqliteJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
			JobRecord other = job(); // same destination: the UNIQUE constraint refuses the second insert
			assertThrows(StoreException.class, () -> s.transaction(w -> {
				w.updateJob(j.with(b -> b.settings(x -> x.with(p -> p.description("changed")))));
				w.insertJob(other);
			}));
			assertEquals("", s.load().jobs().get(0).settings().description());
			assertEquals(1, s.load().jobs().size());
		}
	}

	@Test
	void transactionsDoNotNest() { // one change, one transaction: a write inside another's work is a bug, refused
		try (SqliteJobStore s = open()) {
			JobRecord j = job();
			IllegalStateException e = assertThrows(IllegalStateException.class,
					() -> s.transaction(w -> s.transaction(inner -> inner.insertJob(j))));
			assertTrue(e.getMessage().contains("do not nest"), e.getMessage());
			assertTrue(s.load().jobs().isEmpty(), "nothing of either was written");
			s.transaction(w -> w.insertJob(j));
			assertEquals(1, s.load().jobs().size(), "the store is usable after");
		}
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
				.with(b -> b.settings(s -> s.with(p -> p.customHeaders(java.util.Map.of("X-Api-Key", "k3y-ABC-123")))));
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
	void anUnknownStoredValueIsAClearErrorNamingTheStore() throws Exception {
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

	@Test
	void theJournalOutlivesTheJobAndAReopenUntilPrunedAndKeepsKindsByName() throws Exception { // S3, C1
		JobRecord j = job();
		JobRecord other = JobRecord.created(UUID.randomUUID(), "someone.else", JobType.DOWNLOAD,
				JobSettings.defaults("x", Duration.ofSeconds(600), Duration.ofDays(14)), Instant.now());
		long[] first = new long[1];
		try (SqliteJobStore s = open()) {
			s.transaction(w -> {
				w.insertJob(j);
				w.insertJob(other);
				first[0] = w.insertJournal(j.id(), j.owner(), Notice.Kind.FILE_TRANSFERRED, 0).id();
				w.insertJournal(other.id(), other.owner(), Notice.Kind.JOB_ERROR, -1);
				w.insertJournal(j.id(), j.owner(), Notice.Kind.JOB_TRANSFERRED, -1);
			});
			s.transaction(w -> w.deleteJob(j.id()));
		}
		try (SqliteJobStore s = open()) {
			assertEquals(List.of(Notice.Kind.FILE_TRANSFERRED, Notice.Kind.JOB_TRANSFERRED),
					s.journal(0, "owner.bundle", null, 10).stream().map(JournalEntry::kind).toList());
			assertEquals(List.of(Notice.Kind.JOB_TRANSFERRED), s.journal(first[0], null, j.id(), 10).stream().map(JournalEntry::kind).toList());
			assertEquals(2, s.journal(0, null, null, 2).size(), "the limit");
			assertEquals(3, s.journal(0, null, null, 10).size());
			assertEquals(s.journal(0, null, null, 10).get(2).id(), s.lastJournalId());
			s.execute("UPDATE journal SET kind = 'SOMETHING_NEW' WHERE id = " + first[0]);
			StoreException e = assertThrows(StoreException.class, () -> s.journal(0, null, null, 10));
			assertTrue(e.getMessage().contains("SOMETHING_NEW"), e.getMessage());
			s.execute("UPDATE journal SET kind = 'FILE_TRANSFERRED' WHERE id = " + first[0]);
			s.transaction(w -> w.pruneJournal(Instant.now().plusSeconds(1)));
			assertEquals(List.of(), s.journal(0, null, null, 10));
			assertTrue(s.lastJournalId() == 0);
		}
	}

	@Test
	void theOutboxKeepsItsNotificationsWithTheirIdsInOrder() { // N7: pending notifications survive a reopen
		JobRecord j = job();
		Notice[] n = new Notice[2];
		try (SqliteJobStore s = open()) {
			s.transaction(w -> {
				w.insertJob(j);
				n[0] = w.insertNotice(j.id(), Notice.Kind.FILE_TRANSFERRED, 0);
				n[1] = w.insertNotice(j.id(), Notice.Kind.JOB_TRANSFERRED, -1);
			});
			assertTrue(n[0].id() < n[1].id());
		}
		try (SqliteJobStore s = open()) {
			assertEquals(List.of(n[0], n[1]), s.load().jobs().get(0).notices());
			s.transaction(w -> w.deleteNotice(n[0].id()));
			assertEquals(List.of(n[1]), s.load().jobs().get(0).notices());
		}
	}
}
