package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.JobPriority;
import bits.api.JobState;
import bits.engine.itest.Postgres;
import bits.engine.model.Claim;
import bits.engine.model.JobRecord;
import bits.engine.model.Notice;

/**
 * Engines sharing one PostgreSQL store (SPEC C2-C5), each store opened here standing for one engine: claims by
 * priority then turn, each job claimed once however many engines claim at once; leases by the database's clock;
 * takeover in a new epoch; fenced writes refused; a stale record refused; announcements; one deliverer per notification.
 */
class SharedQueueTest {
	private static final Set<JobPriority> ALL = EnumSet.allOf(JobPriority.class);
	@TempDir
	static Path server;
	@TempDir
	Path keys;
	private static Postgres postgres;
	private String url;

	@BeforeAll
	static void start() throws Exception {
		postgres = Postgres.start(server);
	}

	@AfterAll
	static void stop() throws Exception {
		if (postgres != null) {
			postgres.close();
		}
	}

	@BeforeEach
	void database() throws Exception {
		url = postgres.newDatabase();
	}

	private PostgresJobStore engine(Duration lease) {
		return PostgresJobStore.open(url, "postgres", "", Secrets.open(keys.resolve("secrets.key")), lease);
	}

	private PostgresJobStore engine() {
		return engine(Duration.ofSeconds(15));
	}

	private static JobRecord queued(PostgresJobStore s, JobPriority priority) {
		JobRecord j = JobStoreContractTest.job("/d/" + UUID.randomUUID()).with(b -> b.state(JobState.QUEUED)
				.settings(x -> x.with(p -> p.priority(priority))));
		s.transaction(w -> w.insertJob(j));
		return j;
	}

	private long members() throws java.sql.SQLException {
		return count("SELECT count(*) FROM bits_engine");
	}

	/** @return the sessions of this database that listen for announcements */
	private long listeners() throws java.sql.SQLException {
		return count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "
				+ PostgresJobStore.CHANNEL + "'");
	}

	private long count(String sql) throws java.sql.SQLException {
		try (var c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); var st = c.createStatement();
				var r = st.executeQuery(sql)) {
			r.next();
			return r.getLong(1);
		}
	}

	/** @return a new notification in the outbox, of a new queued job */
	private static Notice notice(PostgresJobStore s) {
		JobRecord j = queued(s, JobPriority.NORMAL);
		Notice[] n = new Notice[1];
		s.transaction(w -> n[0] = w.insertNotice(j.id(), Notice.Kind.JOB_TRANSFERRED, -1));
		return n[0];
	}

	private static SharedQueue queue(PostgresJobStore s) {
		return s.shared().orElseThrow();
	}

	@Test
	void threeEnginesClaimingAtOnceClaimEachJobOnce() throws Exception { // C2
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine(); PostgresJobStore c = engine()) {
			Set<UUID> all = new HashSet<>();
			for (int i = 0; i < 300; i++) {
				all.add(queued(a, JobPriority.FOREGROUND).id());
			}
			List<JobRecord> claimed = new CopyOnWriteArrayList<>();
			ExecutorService pool = Executors.newFixedThreadPool(6);
			List<Future<?>> claimers = new ArrayList<>();
			for (PostgresJobStore s : List.of(a, b, c, a, b, c)) {
				claimers.add(pool.submit(() -> {
					Optional<JobRecord> j;
					while ((j = queue(s).claimNext(ALL, Set.of())).isPresent()) {
						claimed.add(j.get());
					}
				}));
			}
			for (Future<?> f : claimers) {
				f.get();
			}
			pool.shutdown();
			Set<UUID> ids = new HashSet<>();
			claimed.forEach(j -> assertTrue(ids.add(j.id()), "claimed twice: " + j.id()));
			assertEquals(all, ids, "every job claimed");
			for (JobRecord j : claimed) {
				assertEquals(JobState.CONNECTING, j.state());
				assertEquals(1, j.epoch());
				assertEquals(1, j.version());
			}
			Set<String> engines = new HashSet<>();
			claimed.forEach(j -> engines.add(j.claim()));
			assertEquals(Set.of(queue(a).engine(), queue(b).engine(), queue(c).engine()), engines, "all three engines claimed some");
		}
	}

	@Test
	void claimsGoByPriorityThenTurnAndARequeuedJobGoesBehindItsPriority() { // C2, J3
		try (PostgresJobStore a = engine()) {
			JobRecord low = queued(a, JobPriority.LOW);
			JobRecord high1 = queued(a, JobPriority.HIGH);
			JobRecord normal = queued(a, JobPriority.NORMAL);
			JobRecord high2 = queued(a, JobPriority.HIGH);
			JobRecord foreground = queued(a, JobPriority.FOREGROUND);
			a.transaction(w -> w.requeue(high1.id())); // its time slice ended: behind high2
			Set<JobPriority> background = EnumSet.of(JobPriority.HIGH, JobPriority.NORMAL, JobPriority.LOW);
			List<UUID> order = new ArrayList<>();
			Optional<JobRecord> j;
			while ((j = queue(a).claimNext(background, Set.of())).isPresent()) {
				order.add(j.get().id());
			}
			assertEquals(List.of(high2.id(), high1.id(), normal.id(), low.id()), order);
			assertEquals(Optional.empty(), queue(a).claimNext(EnumSet.of(JobPriority.FOREGROUND), Set.of(foreground.id())),
					"a job still stopping on this engine is not claimed again");
			assertEquals(foreground.id(), queue(a).claimNext(EnumSet.of(JobPriority.FOREGROUND), Set.of()).orElseThrow().id());
		}
	}

	@Test
	void aDeadEnginesJobsAreTakenOverInANewEpochAndItsLateWritesAreFenced() throws Exception { // C3, C4
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			JobRecord j = queued(a, JobPriority.NORMAL);
			JobRecord mine = queue(a).claimNext(ALL, Set.of()).orElseThrow();
			Claim claim = mine.claimed();
			assertEquals(new Claim(queue(a).engine(), 1), claim);
			assertEquals(List.of(), queue(b).takeOver(), "a is alive");
			// a is paused past its lease: its heartbeat, by the database's clock, is an hour old
			b.execute("UPDATE bits_engine SET heartbeat = now() - interval '1 hour' WHERE id = '" + queue(a).engine() + "'");
			assertEquals(List.of(j.id()), queue(b).takeOver());
			JobRecord taken = b.load(j.id()).orElseThrow();
			assertEquals(JobState.QUEUED, taken.state());
			assertEquals(null, taken.claim());
			assertEquals(2, taken.epoch(), "a new epoch");
			// a wakes up and checkpoints: refused, nothing written
			var late = mine.files().get(0).checkpointed(1000, 2000, "\"v\"", false);
			assertThrows(FencedException.class, () -> a.transaction(w -> {
				w.fence(j.id(), claim);
				w.updateFile(j.id(), late);
			}));
			assertEquals(0, b.load(j.id()).orElseThrow().files().get(0).bytesTransferred());
			// so is a late state change: fenced by the update itself, not taken for a stale record
			assertThrows(FencedException.class, () -> a.transaction(w -> {
				w.fence(j.id(), claim);
				w.insertJournal(j.id(), j.owner(), Notice.Kind.JOB_TRANSFERRED, -1);
				w.updateJob(mine.with(x -> x.state(JobState.TRANSFERRED).version(mine.version() + 1)));
			}));
			assertEquals(JobState.QUEUED, b.load(j.id()).orElseThrow().state());
			assertEquals(List.of(), b.journal(0, null, j.id(), 10), "nothing of the fenced transaction");
			// b claims it in epoch 3; a's claim stays fenced
			assertEquals(3, queue(b).claimNext(ALL, Set.of()).orElseThrow().epoch());
			assertThrows(FencedException.class, () -> a.transaction(w -> w.fence(j.id(), claim)));
			// a's heartbeat says it lost its lease, and makes it a member again
			assertFalse(queue(a).heartbeat());
			assertTrue(queue(a).heartbeat());
		}
	}

	@Test
	void eachMemberIsJudgedByItsOwnLease() { // C2: a longer lease configured on one engine is honoured by the others
		try (PostgresJobStore a = engine(Duration.ofSeconds(60)); PostgresJobStore b = engine(Duration.ofSeconds(2))) {
			JobRecord j = queued(a, JobPriority.NORMAL);
			queue(a).claimNext(ALL, Set.of()).orElseThrow();
			b.execute("UPDATE bits_engine SET heartbeat = now() - interval '30 seconds' WHERE id = '" + queue(a).engine() + "'");
			assertEquals(List.of(), queue(b).takeOver(), "a is alive for 60 s, whatever b's own lease");
			b.execute("UPDATE bits_engine SET heartbeat = now() - interval '61 seconds' WHERE id = '" + queue(a).engine() + "'");
			assertEquals(List.of(j.id()), queue(b).takeOver());
		}
	}

	@Test
	void aMemberPastItsLeaseReleasesItsClaimsAtItsNextHeartbeat() { // C2: the database's clock decides
		try (PostgresJobStore a = engine()) {
			JobRecord j = queued(a, JobPriority.NORMAL);
			queue(a).claimNext(ALL, Set.of()).orElseThrow();
			a.execute("UPDATE bits_engine SET heartbeat = now() - interval '1 minute'");
			assertFalse(queue(a).heartbeat());
			JobRecord back = a.load(j.id()).orElseThrow();
			assertEquals(JobState.QUEUED, back.state());
			assertEquals(2, back.epoch());
		}
	}

	@Test
	void aHeartbeatWaitsNeitherForItsCommitToBeDurableNorForAPooledConnection() throws Exception { // C2: a live engine keeps its lease
		try (PostgresJobStore a = engine()) {
			AtomicBoolean done = new AtomicBoolean();
			ExecutorService writers = Executors.newFixedThreadPool(9);
			List<Future<?>> stuck = new ArrayList<>();
			try (var admin = postgres.connect("postgres"); var st = admin.createStatement()) {
				// every durable commit now waits for a synchronous standby that never answers: as for a disk that stalls
				st.execute("ALTER SYSTEM SET synchronous_standby_names = 'bits_absent_standby'");
				st.execute("SELECT pg_reload_conf()");
				try {
					for (int i = 0; i < 8; i++) { // every connection of the engine's pool, each in a commit that waits
						stuck.add(writers.submit(() -> {
							while (!done.get()) {
								queued(a, JobPriority.NORMAL);
							}
						}));
					}
					// the first in its commit, the others behind it (a commit that announces waits for the one before it)
					String waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
							+ " AND (wait_event = 'SyncRep' OR wait_event_type = 'Lock')";
					long deadline = System.nanoTime() + 20_000_000_000L;
					while (count(waiting) < 8) {
						assertTrue(System.nanoTime() < deadline, "commits waiting: " + count(waiting));
						Thread.sleep(20);
					}
					try (var c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); var x = c.createStatement()) {
						x.execute("SET synchronous_commit = off"); // not through the engine's pool, which waits
						x.execute("UPDATE bits_engine SET heartbeat = now() - interval '2 seconds'");
					}
					Future<Boolean> beat = writers.submit(() -> queue(a).heartbeat());
					assertTrue(beat.get(5, TimeUnit.SECONDS), "the lease renewed");
					assertEquals(1, count("SELECT count(*) FROM bits_engine WHERE heartbeat > now() - interval '1 second'"), "the heartbeat seen");
					assertEquals(8, count(waiting), "the pool's commits still wait");
				} finally {
					done.set(true);
					st.execute("ALTER SYSTEM RESET synchronous_standby_names");
					st.execute("SELECT pg_reload_conf()");
				}
			}
			try {
				for (Future<?> f : stuck) {
					f.get(30, TimeUnit.SECONDS);
				}
			} finally {
				writers.shutdownNow();
			}
		}
	}

	@Test
	void aPausedEnginesOpenTransactionHoldsUpNoTakeoverPastItsLease() throws Exception { // C4
		try (PostgresJobStore a = engine(Duration.ofSeconds(2)); PostgresJobStore b = engine()) {
			JobRecord j = queued(a, JobPriority.NORMAL);
			queue(a).claimNext(ALL, Set.of()).orElseThrow();
			// a stopped (kill -STOP) in a transaction that locked its job's row: it holds the lock while it sleeps
			java.sql.Connection paused = a.borrow();
			ExecutorService taker = Executors.newSingleThreadExecutor();
			try {
				paused.setAutoCommit(false);
				try (var st = paused.createStatement()) {
					st.execute("SELECT 1 FROM job WHERE id = '" + j.id() + "' FOR UPDATE");
				}
				b.execute("UPDATE bits_engine SET heartbeat = now() - interval '1 minute' WHERE id = '" + queue(a).engine() + "'");
				Future<List<UUID>> taken = taker.submit(() -> queue(b).takeOver());
				assertEquals(List.of(j.id()), taken.get(15, TimeUnit.SECONDS), "taken over once the paused transaction was ended");
				assertEquals(2, b.load(j.id()).orElseThrow().epoch());
			} finally {
				taker.shutdownNow();
				a.giveBack(paused); // ended by the server: the pool replaces it
			}
		}
	}

	@Test
	void anEngineThatLeavesReleasesItsClaimsAtOnce() { // C4: a clean stop does not wait for the lease
		try (PostgresJobStore b = engine()) {
			PostgresJobStore a = engine();
			JobRecord j = queued(a, JobPriority.NORMAL);
			queue(a).claimNext(ALL, Set.of()).orElseThrow();
			a.close();
			JobRecord back = b.load(j.id()).orElseThrow();
			assertEquals(JobState.QUEUED, back.state());
			assertEquals(null, back.claim());
			assertEquals(j.id(), queue(b).claimNext(ALL, Set.of()).orElseThrow().id());
		}
	}

	@Test
	void aWriteComputedOnAStaleRecordIsRefusedAndChangesNothing() { // the job table then reads the job again
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			JobRecord j = queued(a, JobPriority.NORMAL);
			b.transaction(w -> w.updateJob(j.with(x -> x.settings(s -> s.with(p -> p.description("b's"))).version(1))));
			assertThrows(StaleRecordException.class,
					() -> a.transaction(w -> w.updateJob(j.with(x -> x.settings(s -> s.with(p -> p.description("a's"))).version(1)))));
			assertEquals("b's", a.load(j.id()).orElseThrow().settings().description());
		}
	}

	@Test
	void everyEngineHearsOfAChangedOrEndedJob() throws Exception { // C6
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			List<SharedQueue.Announcement> heard = Collections.synchronizedList(new ArrayList<>());
			queue(b).listen(heard::add);
			long listening = System.nanoTime() + 10_000_000_000L;
			while (listeners() == 0) { // the listener's LISTEN is in place
				assertTrue(System.nanoTime() < listening, "no listener");
				Thread.sleep(20);
			}
			JobRecord j = queued(a, JobPriority.NORMAL);
			a.transaction(w -> w.updateJob(j.with(x -> x.state(JobState.SUSPENDED).version(1))));
			a.transaction(w -> w.deleteJob(j.id()));
			JobRecord k = queued(a, JobPriority.NORMAL);
			a.transaction(w -> w.deleteJob(k.id(), JobState.ACKNOWLEDGED));
			// a claim, and a change made by hand with a SQL client: the database announces every changed row itself
			JobRecord m = queued(a, JobPriority.NORMAL);
			assertEquals(m.id(), queue(a).claimNext(EnumSet.allOf(JobPriority.class), Set.of()).orElseThrow().id());
			a.execute("UPDATE job SET description = 'by hand', version = version + 1 WHERE id = '" + m.id() + "'");
			// an acknowledgement changes no row of its job: the database announces it too, but not the notifications that
			// go with their job (its end is announced)
			Notice acknowledged = notice(a);
			a.transaction(w -> w.deleteNotice(acknowledged.id()));
			Notice ended = notice(a);
			UUID endedJob = ended.job();
			a.transaction(w -> w.deleteJob(endedJob));
			long deadline = System.nanoTime() + 10_000_000_000L;
			List<SharedQueue.Announcement> expected = List.of(new SharedQueue.Announcement(j.id(), 0), new SharedQueue.Announcement(j.id(), 1),
					new SharedQueue.Announcement(j.id(), SharedQueue.Announcement.CANCELLED), new SharedQueue.Announcement(k.id(),
							SharedQueue.Announcement.COMPLETED), new SharedQueue.Announcement(m.id(), 1), new SharedQueue.Announcement(m.id(), 2),
					new SharedQueue.Announcement(acknowledged.job(), SharedQueue.Announcement.NOTICES, acknowledged.id()),
					new SharedQueue.Announcement(endedJob, SharedQueue.Announcement.CANCELLED));
			while (!heard.containsAll(expected)) {
				assertTrue(System.nanoTime() < deadline, "heard " + heard);
				Thread.sleep(20);
			}
			// how each ended, for the other engines' views
			assertEquals(Optional.of(JobState.CANCELLED), heard.get(heard.indexOf(expected.get(2))).ended());
			assertEquals(Optional.of(JobState.ACKNOWLEDGED), heard.get(heard.indexOf(expected.get(3))).ended());
			assertEquals(Optional.empty(), expected.get(1).ended());
			assertEquals(Optional.empty(), expected.get(6).ended());
			assertFalse(heard.contains(new SharedQueue.Announcement(endedJob, SharedQueue.Announcement.NOTICES, ended.id())), "heard " + heard);
		}
	}

	@Test
	void anEngineWithAnotherSecretsKeyIsRefused(@TempDir Path other) throws Exception { // a sealed password must open on every engine
		try (PostgresJobStore a = engine()) {
			StoreException e = assertThrows(StoreException.class,
					() -> PostgresJobStore.open(url, "postgres", "", Secrets.open(other.resolve("secrets.key")), Duration.ofSeconds(15)));
			assertTrue(e.getMessage().contains("is shared by engines with another secrets key than " + other.resolve("secrets.key")),
					e.getMessage());
			assertEquals(1, members(), "the refused engine did not join");
		}
		engine().close(); // the same key: welcome
	}

	@Test
	void oneEngineAtATimeDeliversANotification() throws Exception { // C5
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			Notice n = notice(a);
			assertTrue(queue(a).claimNotice(n.id(), Duration.ofMillis(300)));
			assertFalse(queue(b).claimNotice(n.id(), Duration.ofMillis(300)), "a holds it");
			assertTrue(queue(a).claimNotice(n.id(), Duration.ofMillis(300)), "a may try again");
			long deadline = System.nanoTime() + 10_000_000_000L;
			while (!queue(b).claimNotice(n.id(), Duration.ofSeconds(30))) { // a's hold ended: a died, or its callback is stuck
				assertTrue(System.nanoTime() < deadline);
				Thread.sleep(50);
			}
			assertFalse(queue(a).claimNotice(n.id(), Duration.ofSeconds(30)));
		}
	}

	@Test
	void aNotificationReleasedByAnEngineThatCannotDeliverItIsClaimedByAnotherAtOnce() throws Exception { // C5
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			Notice n = notice(a);
			assertTrue(queue(a).claimNotice(n.id(), Duration.ofMinutes(5)));
			queue(b).releaseNotice(n.id());
			assertFalse(queue(b).claimNotice(n.id(), Duration.ofMinutes(5)), "only the holder lets go");
			queue(a).releaseNotice(n.id()); // a cannot provision the handler
			assertTrue(queue(b).claimNotice(n.id(), Duration.ofMinutes(5)));
		}
	}

	@Test
	void aLiveCallbackLastsAsLongAsItsEngine() throws Exception { // C5
		try (PostgresJobStore b = engine()) {
			PostgresJobStore a = engine();
			PostgresJobStore c = engine();
			JobRecord onA = queued(b, JobPriority.NORMAL).with(x -> x.callbackEngine(queue(a).engine()));
			JobRecord onC = queued(b, JobPriority.NORMAL).with(x -> x.callbackEngine(queue(c).engine()));
			JobRecord onB = queued(b, JobPriority.NORMAL).with(x -> x.callbackEngine(queue(b).engine()));
			for (JobRecord r : List.of(onA, onC, onB)) {
				b.transaction(w -> w.updateJob(r.with(x -> x.version(1))));
			}
			assertEquals(queue(a).engine(), b.load(onA.id()).orElseThrow().callbackEngine(), "stored");
			a.close(); // a clean stop
			assertEquals(null, b.load(onA.id()).orElseThrow().callbackEngine());
			// c dies: when its lease is found expired, its live callbacks end with it
			b.execute("UPDATE bits_engine SET heartbeat = now() - interval '1 hour' WHERE id = '" + queue(c).engine() + "'");
			assertEquals(queue(c).engine(), b.load(onC.id()).orElseThrow().callbackEngine(), "before the takeover");
			queue(b).takeOver();
			assertEquals(null, b.load(onC.id()).orElseThrow().callbackEngine());
			assertEquals(queue(b).engine(), b.load(onB.id()).orElseThrow().callbackEngine(), "a live engine's stays");
			c.close();
		}
	}

	@Test
	void freeSlotsAreFilledByOneClaimOfSeveralJobsInQueueOrder() { // C2
		try (PostgresJobStore a = engine(); PostgresJobStore b = engine()) {
			List<UUID> order = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				order.add(queued(a, i < 3 ? JobPriority.LOW : JobPriority.FOREGROUND).id());
			}
			List<UUID> expected = new ArrayList<>(order.subList(3, 10));
			expected.addAll(order.subList(0, 3)); // FOREGROUND first, then LOW; each by its turn
			List<JobRecord> first = queue(a).claim(ALL, Set.of(), 4);
			assertEquals(expected.subList(0, 4), first.stream().map(JobRecord::id).sorted((x, y) -> expected.indexOf(x) - expected.indexOf(y)).toList());
			first.forEach(j -> assertEquals(new Claim(queue(a).engine(), 1), j.claimed()));
			List<JobRecord> rest = queue(b).claim(ALL, Set.of(), 100);
			assertEquals(Set.copyOf(expected.subList(4, 10)), rest.stream().map(JobRecord::id).collect(java.util.stream.Collectors.toSet()));
			assertEquals(List.of(), queue(a).claim(ALL, Set.of(), 4), "each job claimed once");
		}
	}

	@Test
	void aClaimReadsTheFirstQueuedJobsNotTheWholeQueueOrTable() throws Exception { // C2: a claim costs the same with 100k jobs as with 10
		try (PostgresJobStore a = engine(); var c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); var st = c.createStatement()) {
			JobRecord template = queued(a, JobPriority.NORMAL);
			// many queued jobs and more ended ones, as a busy store holds them, copied from one job's row by SQL
			st.execute("INSERT INTO job (id, owner, type, state, display_name, description, priority, retry_delay_ms, no_progress_timeout_ms,"
					+ " notify_interval_ms, custom_headers, proxy_usage, proxy_list, proxy_bypass, max_download_size, redirect_policy, notify_flags,"
					+ " created_ms, modified_ms, last_progress_ms) SELECT gen_random_uuid()::text, owner, type, CASE WHEN g % 3 = 0 THEN 'QUEUED'"
					+ " ELSE 'TRANSFERRED' END, display_name, description, priority, retry_delay_ms, no_progress_timeout_ms, notify_interval_ms,"
					+ " custom_headers, proxy_usage, proxy_list, proxy_bypass, max_download_size, redirect_policy, notify_flags, created_ms, modified_ms,"
					+ " last_progress_ms FROM job, generate_series(1, 6000) g WHERE id = '" + template.id() + "'");
			st.execute("ANALYZE job");
			// the plan the driver's prepared statement gets after its first runs: generic, the LIMIT not known
			st.execute("SET plan_cache_mode = force_generic_plan");
			st.execute("PREPARE claim(text[], text[], text, int, text) AS " + numbered(PostgresQueue.CLAIM));
			StringBuilder plan = new StringBuilder();
			try (var r = st.executeQuery("EXPLAIN (COSTS OFF) EXECUTE claim(ARRAY['NORMAL'], ARRAY[]::text[], 'here', 4, 'engine')")) {
				while (r.next()) {
					plan.append(r.getString(1)).append('\n');
				}
			}
			assertTrue(plan.toString().contains("Index Scan using job_claim_order"), plan.toString());
			assertFalse(plan.toString().contains("Seq Scan") || plan.toString().contains("Sort"), "the claim reads the whole table or sorts the queue:\n" + plan);
		}
	}

	@Test
	void aResyncReadsTheFilesAndNotificationsOfClaimedJobsOnly() throws Exception { // C6: each engine's read every 5 s stays narrow
		try (PostgresJobStore a = engine(); var c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); var st = c.createStatement()) {
			JobRecord template = queued(a, JobPriority.NORMAL);
			Notice pending = notice(a);
			// many transferred jobs, each with its file and its pending notification, as a busy store keeps them
			st.execute("CREATE TEMP TABLE copied AS SELECT gen_random_uuid()::text AS id FROM generate_series(1, 6000)");
			st.execute("INSERT INTO job (id, owner, type, state, display_name, description, priority, retry_delay_ms, no_progress_timeout_ms,"
					+ " notify_interval_ms, custom_headers, proxy_usage, proxy_list, proxy_bypass, max_download_size, redirect_policy, notify_flags,"
					+ " created_ms, modified_ms, last_progress_ms) SELECT c.id, owner, type, 'TRANSFERRED', display_name, description, priority,"
					+ " retry_delay_ms, no_progress_timeout_ms, notify_interval_ms, custom_headers, proxy_usage, proxy_list, proxy_bypass,"
					+ " max_download_size, redirect_policy, notify_flags, created_ms, modified_ms, last_progress_ms FROM job, copied c WHERE job.id = '"
					+ template.id() + "'");
			st.execute("INSERT INTO file (job, idx, remote, local, temporary, bytes_total, bytes_transferred, completed, validation)"
					+ " SELECT c.id, f.idx, f.remote, f.local || c.id, f.temporary || c.id, f.bytes_total, f.bytes_transferred, f.completed,"
					+ " f.validation FROM file f, copied c WHERE f.job = '" + template.id() + "'");
			st.execute("INSERT INTO outbox (job, kind, file, created_ms) SELECT c.id, o.kind, o.file, o.created_ms FROM outbox o, copied c"
					+ " WHERE o.id = " + pending.id());
			// one job claimed, being transferred: the plan is checked with claimed jobs to read
			assertEquals(template.id(), queue(a).claimNext(EnumSet.allOf(JobPriority.class), Set.of()).orElseThrow().id());
			st.execute("ANALYZE");
			StringBuilder plan = new StringBuilder();
			try (var r = st.executeQuery("EXPLAIN (COSTS OFF) " + JdbcJobStore.STAMPS)) {
				while (r.next()) {
					plan.append(r.getString(1)).append('\n');
				}
			}
			assertFalse(plan.toString().contains("Seq Scan on file") || plan.toString().contains("Seq Scan on outbox"),
					"the read goes through every file and notification:\n" + plan);
			// and still sees a claimed job's progress
			a.execute("UPDATE file SET bytes_transferred = 7 WHERE job = '" + template.id() + "'");
			assertEquals(7, a.stamps(false).get(template.id()).transfer().bytesTransferred());
			assertNull(a.stamps(false).get(pending.job()).transfer(), "no engine claims it");
		}
	}

	/** @return the statement with its JDBC parameters numbered, as SQL's PREPARE takes them */
	private static String numbered(String jdbc) {
		StringBuilder b = new StringBuilder();
		int n = 0;
		for (char ch : jdbc.toCharArray()) {
			b.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
		}
		return b.toString();
	}
}
