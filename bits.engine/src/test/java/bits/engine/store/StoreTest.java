package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
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

	private static JobRow job() {
		JobRow j = new JobRow(UUID.randomUUID(), "owner.bundle", JobType.DOWNLOAD, "name", Instant.now().truncatedTo(ChronoUnit.MILLIS));
		j.files.add(new FileRow(0, URI.create("https://h/a"), Path.of("/d/a"), Path.of("/d/.a.tmp")));
		return j;
	}

	@Test
	void everyPropertySurvivesAReopen() {
		JobRow j = job();
		try (Store s = Store.open(dir)) {
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
		try (Store s = Store.open(dir)) {
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
		try (Store s = Store.open(dir)) {
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
		try (Store s = Store.open(dir)) {
			StoreException e = assertThrows(StoreException.class, () -> Store.open(dir));
			assertTrue(e.getMessage().contains("is in use by process " + ProcessHandle.current().pid()), e.getMessage());
		}
		Store.open(dir).close(); // released on close
	}

	@Test
	void schemaVersionIsRecorded() throws Exception {
		Store.open(dir).close();
		try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db"));
				var r = c.createStatement().executeQuery("PRAGMA user_version")) {
			assertEquals(Schema.MIGRATIONS.size(), r.getInt(1));
		}
		try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db"));
				var r = c.createStatement().executeQuery("PRAGMA journal_mode")) {
			assertEquals("wal", r.getString(1));
		}
	}
}
