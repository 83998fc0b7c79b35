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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

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
import bits.engine.model.Claim;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.JournalEntry;
import bits.engine.model.Notice;

/**
 * What every adapter of the store port does (SPEC J7, C1): every property and checkpoint survives a reopen, a
 * transaction is all or nothing and never nests, the outbox and the journal keep their entries in order, with ids.
 * {@link StoreTest} runs it on SQLite, {@link PostgresStoreTest} on a real PostgreSQL.
 */
abstract class JobStoreContractTest {
	/** @return the store, opened (again) where this test keeps it */
	abstract JdbcJobStore open();

	static JobRecord job(String local) {
		return JobRecord.created(UUID.randomUUID(), "owner.bundle", JobType.DOWNLOAD,
				JobSettings.defaults("name", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT),
				Instant.now().truncatedTo(ChronoUnit.MILLIS))
				.with(b -> b.addFiles(List.of(FileRecord.added(0, URI.create("https://h/a"), Path.of(local), Path.of(local + ".tmp")))));
	}

	static JobRecord job() {
		return job("/d/a");
	}

	static JobRecord withCredentials(JobRecord j, Credentials c) {
		return j.with(b -> b.settings(s -> s.with(p -> p.credentials(c))));
	}

	private static Map<String, String> orderedHeaders() {
		Map<String, String> h = new LinkedHashMap<>();
		h.put("X-B", "two words");
		h.put("X-A", "1");
		return h;
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
				.file(inserted.files().get(0).checkpointed(40, 100, "\"etag\"", false).withValidation(ValidationState.VALID)).version(1));
		try (JdbcJobStore s = open()) {
			s.transaction(w -> w.insertJob(inserted));
			s.transaction(w -> {
				w.updateJob(j);
				w.updateFile(j.id(), j.files().get(0));
			});
		}
		try (JdbcJobStore s = open()) {
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


	@Test
	void aFailedTransactionChangesNothing() {
		JobRecord j = job();
		try (JdbcJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
			JobRecord other = job(); // same destination: the UNIQUE constraint refuses the second insert
			assertThrows(StoreException.class, () -> s.transaction(w -> {
				w.updateJob(j.with(b -> b.settings(x -> x.with(p -> p.description("changed"))).version(1)));
				w.insertJob(other);
			}));
			assertEquals("", s.load().jobs().get(0).settings().description());
			assertEquals(1, s.load().jobs().size());
		}
	}


	@Test
	void transactionsDoNotNest() { // one change, one transaction: a write inside another's work is a bug, refused
		try (JdbcJobStore s = open()) {
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
	void theJournalOutlivesTheJobAndAReopenUntilPrunedAndKeepsKindsByName() throws Exception { // S3, C1
		JobRecord j = job();
		JobRecord other = JobRecord.created(UUID.randomUUID(), "someone.else", JobType.DOWNLOAD,
				JobSettings.defaults("x", Duration.ofSeconds(600), Duration.ofDays(14)), Instant.now());
		long[] first = new long[1];
		try (JdbcJobStore s = open()) {
			s.transaction(w -> {
				w.insertJob(j);
				w.insertJob(other);
				w.insertJournal(j.id(), j.owner(), Notice.Kind.FILE_TRANSFERRED, 0);
				w.insertJournal(other.id(), other.owner(), Notice.Kind.JOB_ERROR, -1);
				w.insertJournal(j.id(), j.owner(), Notice.Kind.JOB_TRANSFERRED, -1);
			});
			s.transaction(w -> w.deleteJob(j.id()));
			first[0] = s.journal(0, null, null, 1).get(0).id(); // written in the order recorded
		}
		try (JdbcJobStore s = open()) {
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
	void aJobsStampShowsEveryChangeOfItAsHeld() { // C6: engines sharing the store read again only the jobs whose stamp differs
		JobRecord unclaimed = job("/d/u");
		JobRecord j = job().with(b -> b.claim(new Claim("engine-a", 1)));
		try (JdbcJobStore s = open()) {
			s.transaction(w -> w.insertJob(unclaimed));
			s.transaction(w -> w.insertJob(j));
			assertEquals(Map.of(unclaimed.id(), new JobStore.Stamp(0, null), j.id(), JobStore.Stamp.of(j, false)), s.stamps(false),
					"a job no engine claims changes with its row only: its version");
			Notice[] u = new Notice[1];
			s.transaction(w -> u[0] = w.insertNotice(unclaimed.id(), Notice.Kind.JOB_TRANSFERRED, -1));
			assertEquals(JobStore.Stamp.of(unclaimed.with(b -> b.notices(List.of(u[0]))), true), s.stamps(true).get(unclaimed.id()),
					"the whole read, now and then: every job's files and notifications");
			s.transaction(w -> w.deleteJob(unclaimed.id()));
			// a checkpoint under the claim changes the file only, not the row's version
			JobRecord progressed = j.with(b -> b.file(j.files().get(0).checkpointed(40, 100, "\"v\"", false)));
			s.transaction(w -> w.updateFile(j.id(), progressed.files().get(0)));
			assertEquals(JobStore.Stamp.of(progressed, false), s.stamps(false).get(j.id()));
			assertTrue(!JobStore.Stamp.of(j, false).equals(s.stamps(false).get(j.id())), "the held record is behind");
			// a notification added, then one acknowledged (its row deleted): neither changes the row either
			Notice[] n = new Notice[2];
			s.transaction(w -> {
				n[0] = w.insertNotice(j.id(), Notice.Kind.FILE_TRANSFERRED, 0);
				n[1] = w.insertNotice(j.id(), Notice.Kind.JOB_TRANSFERRED, -1);
			});
			JobRecord notified = progressed.with(b -> b.notices(List.of(n[0], n[1])));
			assertEquals(JobStore.Stamp.of(notified, false), s.stamps(false).get(j.id()));
			s.transaction(w -> w.deleteNotice(n[0].id()));
			assertEquals(JobStore.Stamp.of(notified.with(b -> b.notices(List.of(n[1]))), false), s.stamps(false).get(j.id()));
			JobRecord changed = notified.with(b -> b.state(JobState.SUSPENDED).notices(List.of(n[1])).version(1));
			s.transaction(w -> w.updateJob(changed));
			assertEquals(JobStore.Stamp.of(changed, false), s.stamps(false).get(j.id()));
			assertEquals(s.load().jobs().stream().map(x -> JobStore.Stamp.of(x, false)).toList(), List.copyOf(s.stamps(false).values()), "the stamp of the job as read");
			assertEquals(s.load().jobs().stream().map(x -> JobStore.Stamp.of(x, true)).toList(), List.copyOf(s.stamps(true).values()), "the whole stamp as read");
			s.transaction(w -> w.deleteJob(j.id()));
			assertEquals(Map.of(), s.stamps(false));
		}
	}

	@Test
	void aRowWrittenWithoutNewCredentialsKeepsTheStoredOnes() { // the common write skips them; a change of them replaces them
		JobRecord j = withCredentials(job(), new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u", "p"));
		try (JdbcJobStore s = open()) {
			s.transaction(w -> w.insertJob(j));
			s.transaction(w -> w.updateJob(j.with(b -> b.state(JobState.SUSPENDED).version(1)), false));
			assertEquals("p", s.load().jobs().get(0).settings().credentials().get(AuthTarget.SERVER).password());
			JobRecord replaced = withCredentials(j, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u", "q")).with(b -> b.version(2));
			s.transaction(w -> w.updateJob(replaced, true));
			assertEquals("q", s.load().jobs().get(0).settings().credentials().get(AuthTarget.SERVER).password());
		}
	}

	@Test
	void theOutboxKeepsItsNotificationsWithTheirIdsInOrder() { // N7: pending notifications survive a reopen
		JobRecord j = job();
		Notice[] n = new Notice[2];
		try (JdbcJobStore s = open()) {
			s.transaction(w -> {
				w.insertJob(j);
				n[0] = w.insertNotice(j.id(), Notice.Kind.FILE_TRANSFERRED, 0);
				n[1] = w.insertNotice(j.id(), Notice.Kind.JOB_TRANSFERRED, -1);
			});
			assertTrue(n[0].id() < n[1].id());
		}
		try (JdbcJobStore s = open()) {
			assertEquals(List.of(n[0], n[1]), s.load().jobs().get(0).notices());
			s.transaction(w -> w.deleteNotice(n[0].id()));
			assertEquals(List.of(n[1]), s.load().jobs().get(0).notices());
		}
	}

	@Test
	void anUnknownStoredValueIsAClearErrorNamingTheStore() throws Exception {
		try (JdbcJobStore s = open()) {
			s.transaction(w -> w.insertJob(job()));
			s.execute("UPDATE job SET state = 'PAUSED'");
			StoreException e = assertThrows(StoreException.class, s::load);
			assertTrue(e.getMessage().contains(s.where) && e.getMessage().contains("state of job") && e.getMessage().contains("PAUSED"),
					e.getMessage());
		}
	}
}
