package bits.engine.store;

import java.sql.Statement;
import java.util.ArrayList;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
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
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.ProxyUsage;
import bits.api.RedirectPolicy;
import bits.api.ValidationState;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.Notice;

/**
 * A store written by an earlier release opens with every job, file, credential, pending notification and journal
 * entry intact (SPEC J7, C1). The fixtures under {@code src/test/resources/stores} were written by the code of their
 * release (each has the script that made it) and are never regenerated.
 */
class StoreMigrationTest {
	@TempDir
	Path dir;

	private SqliteJobStore open(String fixture) throws Exception {
		for (String name : List.of("bits.db", "secrets.key")) {
			try (InputStream in = getClass().getResourceAsStream("/stores/" + fixture + "/" + name)) {
				Files.copy(in, dir.resolve(name));
			}
		}
		return SqliteJobStore.open(dir, Secrets.open(dir.resolve("secrets.key")));
	}

	@Test
	void aStoreOfSchema4OpensWithEverythingIntact() throws Exception {
		try (SqliteJobStore s = open("schema-4")) {
			JobStore.Loaded loaded = s.load();
			List<JobRecord> jobs = loaded.jobs();
			assertEquals(List.of(), loaded.warnings());
			assertEquals(List.of("every property", "transferred", "in error", "queued"), jobs.stream().map(j -> j.settings().displayName()).toList());

			JobRecord a = jobs.get(0);
			assertEquals(UUID.fromString("00000000-0000-4000-8000-00000000000a"), a.id());
			assertEquals("owner.a", a.owner());
			assertEquals(JobState.TRANSIENT_ERROR, a.state());
			assertEquals("all set", a.settings().description());
			assertEquals(JobPriority.LOW, a.settings().priority());
			assertEquals(Duration.ofSeconds(70), a.settings().minimumRetryDelay());
			assertEquals(Duration.ofSeconds(900), a.settings().noProgressTimeout());
			assertEquals(Duration.ofMillis(250), a.settings().minimumNotificationInterval());
			assertEquals(Map.of("X-Api-Key", "header secret"), a.settings().customHeaders());
			assertEquals(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "server password"), a.settings().credentials().get(AuthTarget.SERVER));
			assertEquals(new Credentials(AuthTarget.PROXY, AuthScheme.DIGEST, "puser", "proxy password"), a.settings().credentials().get(AuthTarget.PROXY));
			assertEquals(new ProxySettings(ProxyUsage.OVERRIDE, List.of("p1:3128", "p2:8080"), List.of("*.local")), a.settings().proxySettings());
			assertEquals(12345, a.settings().maxDownloadSize());
			assertEquals(RedirectPolicy.DISALLOW, a.settings().redirectPolicy());
			assertEquals(EnumSet.of(NotifyFlag.JOB_MODIFICATION, NotifyFlag.FILE_TRANSFERRED), a.settings().notifyFlags());
			assertEquals("com.example.handler", a.settings().handlerId());
			assertEquals(new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503), "busy", 1), a.error());
			assertNull(a.notificationError());
			assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), a.created());
			assertEquals(Instant.ofEpochMilli(1_700_000_300_000L), a.modified());
			assertEquals(Instant.ofEpochMilli(1_700_000_200_000L), a.lastProgress());
			assertEquals(Instant.ofEpochMilli(1_700_000_600_000L), a.retryAt());
			assertNull(a.transferred());
			assertTrue(a.settings().plainHttpAuthentication());
			assertEquals(2, a.files().size());
			FileRecord a0 = a.files().get(0);
			assertEquals(URI.create("https://example.com/a0"), a0.remote());
			assertEquals(Path.of("/data/a0"), a0.local());
			assertEquals(Path.of("/data/.a0.00000000.0123456789abcdef.bits-tmp"), a0.temporary());
			assertEquals(List.of(100L, 100L), List.of(a0.bytesTotal(), a0.bytesTransferred()));
			assertTrue(a0.completed());
			assertEquals(ValidationState.VALID, a0.validation());
			assertEquals("\"etag-a0\"", a0.validator());
			assertEquals("1:2:3", a0.temporaryKey());
			FileRecord a1 = a.files().get(1);
			assertEquals(List.of(1000L, 400L), List.of(a1.bytesTotal(), a1.bytesTransferred()));
			assertFalse(a1.completed());
			assertEquals(ValidationState.UNKNOWN, a1.validation());
			assertEquals("Tue, 01 Dec 2026 10:00:00 GMT", a1.validator());
			assertEquals(List.of(Notice.Kind.FILE_TRANSFERRED), a.notices().stream().map(Notice::kind).toList());
			assertEquals(0, a.notices().get(0).file());

			JobRecord b = jobs.get(1);
			assertEquals(JobState.TRANSFERRED, b.state());
			assertEquals(JobPriority.FOREGROUND, b.settings().priority());
			assertEquals(RedirectPolicy.ALLOW_HTTPS_TO_HTTP, b.settings().redirectPolicy());
			assertEquals(ProxySettings.NO_PROXY, b.settings().proxySettings());
			assertEquals(NotifyFlag.defaults(), b.settings().notifyFlags());
			assertEquals(new JobError(ErrorContext.REMOTE_APPLICATION, ErrorCodes.HANDLER_NOT_FOUND, "no handler yet", -1), b.notificationError());
			assertEquals(Instant.ofEpochMilli(1_700_000_002_000L), b.transferred());
			assertEquals(ValidationState.INVALID, b.files().get(0).validation());
			assertTrue(b.settings().credentials().isEmpty() && b.settings().customHeaders().isEmpty());
			assertEquals(List.of(Notice.Kind.JOB_TRANSFERRED), b.notices().stream().map(Notice::kind).toList());

			JobRecord c = jobs.get(2);
			assertEquals(JobState.ERROR, c.state());
			assertEquals(JobPriority.HIGH, c.settings().priority());
			assertEquals(EnumSet.of(NotifyFlag.JOB_ERROR, NotifyFlag.DISABLE), c.settings().notifyFlags());
			assertEquals(new JobError(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "denied", -1), c.error());
			assertTrue(c.files().isEmpty());
			assertEquals(List.of(Notice.Kind.JOB_ERROR), c.notices().stream().map(Notice::kind).toList());

			JobRecord d = jobs.get(3);
			assertEquals(JobState.QUEUED, d.state());
			assertEquals(JobPriority.NORMAL, d.settings().priority());
			assertEquals(-1, d.files().get(0).bytesTotal());
			assertTrue(d.notices().isEmpty());

			assertEquals(List.of("a FILE_TRANSFERRED 0", "b FILE_TRANSFERRED 0", "b JOB_TRANSFERRED -1", "c JOB_ERROR -1"),
					s.journal(0, null, null, 10).stream().map(e -> e.job().toString().substring(35) + " " + e.kind() + " " + e.file()).toList());
		}
		// what a person sees with sqlite3: names, also where the store was written with numbers
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			assertEquals(List.of("DOWNLOAD TRANSIENT_ERROR LOW OVERRIDE DISALLOW REMOTE_FILE null JOB_MODIFICATION,FILE_TRANSFERRED",
					"DOWNLOAD TRANSFERRED FOREGROUND NO_PROXY ALLOW_HTTPS_TO_HTTP null REMOTE_APPLICATION JOB_TRANSFERRED,JOB_ERROR",
					"DOWNLOAD ERROR HIGH PRECONFIG ALLOW LOCAL_FILE null JOB_ERROR,DISABLE",
					"DOWNLOAD QUEUED NORMAL PRECONFIG ALLOW null null JOB_TRANSFERRED,JOB_ERROR"),
					rows(st, "SELECT type, state, priority, proxy_usage, redirect_policy, error_context, notify_error_context, notify_flags FROM job"
							+ " ORDER BY created_ms"));
			assertEquals(List.of("VALID", "UNKNOWN", "INVALID", "UNKNOWN"), rows(st, "SELECT validation FROM file ORDER BY job, idx"));
			assertEquals(List.of("SERVER BASIC", "PROXY DIGEST"), rows(st, "SELECT target, scheme FROM credential ORDER BY target DESC"));
			assertEquals(List.of("FILE_TRANSFERRED", "JOB_TRANSFERRED", "JOB_ERROR"), rows(st, "SELECT kind FROM outbox ORDER BY id"));
			assertEquals(List.of("text"), rows(st, "SELECT DISTINCT typeof(state) FROM job"));
		}
	}

	@Test
	void aNewStoreKeepsNamesToo() throws Exception {
		JobRecord j = JobRecord.created(UUID.randomUUID(), "o", bits.api.JobType.DOWNLOAD,
				JobSettings.defaults("n", Duration.ofSeconds(600), Duration.ofDays(14)), Instant.now());
		try (SqliteJobStore s = SqliteJobStore.open(dir, Secrets.open(dir.resolve("secrets.key")))) {
			s.transaction(w -> {
				w.insertJob(j);
				w.updateJob(j.with(b -> b.settings(x -> x.with(p -> p.notifyFlags(EnumSet.noneOf(NotifyFlag.class)))).version(j.version() + 1)));
				w.insertNotice(j.id(), Notice.Kind.FILE_TRANSFERRED, 0);
			});
		}
		try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bits.db")); var st = c.createStatement()) {
			assertEquals(List.of("DOWNLOAD SUSPENDED NORMAL "), rows(st, "SELECT type, state, priority, notify_flags FROM job"));
			assertEquals(List.of("FILE_TRANSFERRED"), rows(st, "SELECT kind FROM outbox"));
		}
		try (SqliteJobStore s = SqliteJobStore.open(dir, Secrets.open(dir.resolve("secrets.key")))) {
			assertEquals(EnumSet.noneOf(NotifyFlag.class), s.load().jobs().get(0).settings().notifyFlags());
		}
	}

	private static List<String> rows(Statement st, String sql) throws Exception {
		List<String> rows = new ArrayList<>();
		try (var r = st.executeQuery(sql)) {
			while (r.next()) {
				StringBuilder b = new StringBuilder();
				for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
					b.append(i > 1 ? " " : "").append(r.getString(i));
				}
				rows.add(b.toString());
			}
		}
		return rows;
	}
}
