package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import bits.engine.itest.Nginx;
import bits.engine.itest.Postgres;

/**
 * SPEC C2-C4 end to end: engine JVMs of the distribution on one PostgreSQL database (store.url), each with a store
 * directory of its own for its API, and one secrets key. Jobs are created through one engine's REST API; the engines
 * claim them from the shared queue. Each job is transferred exactly once; the jobs of an engine killed with SIGKILL
 * are taken over by another within 20 s and resumed from their last checkpoint.
 */
class ClusterTest {
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
	@TempDir
	static Path server;
	private static Postgres postgres;
	@TempDir
	Path tmp;
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

	/** An engine of the cluster: the distribution jar on its own store directory, its jobs in the shared database. */
	private EngineProcess engine(String name, Map<String, String> settings) throws IOException {
		Path config = Files.createDirectories(tmp.resolve(name + "/config"));
		StringBuilder cfg = new StringBuilder("store.url=" + url + "\nstore.user=postgres\nsecrets.key.file=" + tmp.resolve("secrets.key") + "\n");
		settings.forEach((k, v) -> cfg.append(k).append('=').append(v).append('\n'));
		Files.writeString(config.resolve("bits.engine.cfg"), cfg);
		return new EngineProcess(tmp.resolve(name + "/store"), config, tmp.resolve(name + "/framework"), tmp.resolve(name + ".log"));
	}

	/** @return the engine's API address and admin token, once it serves */
	private String[] api(EngineProcess engine, String name) throws Exception {
		Path store = tmp.resolve(name + "/store");
		engine.await(() -> Files.exists(store.resolve("api-address")) && Files.exists(store.resolve("api-tokens")));
		String token = Files.readAllLines(store.resolve("api-tokens")).stream().filter(l -> l.endsWith(" *")).findFirst().orElseThrow().split(" ")[0];
		return new String[] { Files.readString(store.resolve("api-address")).strip(), token };
	}

	private static HttpResponse<String> call(String[] api, String method, String path, Object body) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api[0] + path)).timeout(Duration.ofSeconds(60))
				.header("Authorization", "Bearer " + api[1]);
		if (body != null) {
			b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
		} else {
			b.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Asks the engine for a FOREGROUND job of one file; @return its answer */
	private static HttpResponse<String> post(String[] api, String remote, Path local, boolean resume) throws Exception {
		return call(api, "POST", "/jobs", Map.of("displayName", local.getFileName().toString(), "priority", "FOREGROUND",
				"files", List.of(Map.of("remote", remote, "local", local.toString())), "resume", resume));
	}

	/** @return a new job of one file, resumed */
	private static String create(String[] api, String remote, Path local) throws Exception {
		return create(api, remote, local, true);
	}

	private static String create(String[] api, String remote, Path local, boolean resume) throws Exception {
		HttpResponse<String> created = post(api, remote, local, resume);
		assertEquals(201, created.statusCode(), created.body());
		return JSON.readTree(created.body()).get("id").asText();
	}

	/** @return the process id of the engine whose claim holds the job */
	private long holder(String id) throws SQLException {
		return count("SELECT e.pid FROM bits_engine e JOIN job j ON j.claimed_by = e.id WHERE j.id = '" + id + "'");
	}

	private long count(String sql) throws SQLException {
		try (Connection c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); Statement s = c.createStatement();
				ResultSet r = s.executeQuery(sql)) {
			r.next();
			return r.getLong(1);
		}
	}

	/** @return the rows of a query, for a message */
	private String rows(String sql) {
		try (Connection c = postgres.connect(url.substring(url.lastIndexOf('/') + 1)); Statement s = c.createStatement();
				ResultSet r = s.executeQuery(sql)) {
			List<String> rows = new ArrayList<>();
			while (r.next()) {
				StringBuilder row = new StringBuilder();
				for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
					row.append(i > 1 ? "|" : "").append(r.getString(i));
				}
				rows.add(row.toString());
			}
			return rows.toString();
		} catch (SQLException e) {
			return e.toString();
		}
	}

	/** As {@link #count}, for a message: the failure's text if it cannot be read. */
	private String counted(String sql) {
		try {
			return Long.toString(count(sql));
		} catch (SQLException e) {
			return e.toString();
		}
	}

	private static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
		await(() -> what, limit, condition);
	}

	private static void await(Supplier<String> what, Duration limit, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + limit.toNanos();
		while (!condition.getAsBoolean()) {
			assertTrue(System.nanoTime() < deadline, () -> "timed out waiting for " + what.get());
			Thread.sleep(50);
		}
	}

	private BooleanSupplier sql(String query, long expected) {
		return sql(query, n -> n == expected);
	}

	/** @return whether the query's count is as wanted; false while the database cannot be read (restarting) */
	private BooleanSupplier sql(String query, LongPredicate wanted) {
		return () -> {
			try {
				return wanted.test(count(query));
			} catch (SQLException e) {
				return false;
			}
		};
	}

	@Test
	void threeEnginesTransferTwoThousandJobsExactlyOnce() throws Exception { // C2
		int jobs = 2000;
		url = postgres.newDatabase();
		Path out = Files.createDirectories(tmp.resolve("out"));
		Random random = new Random(16);
		Map<String, byte[]> data = new HashMap<>();
		Map<String, String> room = Map.of("max.jobs.per.owner", "5000", "max.jobs", "5000");
		try (Nginx nginx = Nginx.start(tmp); EngineProcess a = engine("a", room)) {
			for (int i = 0; i < jobs; i++) {
				byte[] d = new byte[2048 + random.nextInt(4096)];
				random.nextBytes(d);
				data.put("f" + i, d);
				Files.write(nginx.root.resolve("files/f" + i), d);
			}
			String[] apiA = api(a, "a"); // a has made the secrets key: b and c share it
			try (EngineProcess b = engine("b", room); EngineProcess c = engine("c", room)) {
				api(b, "b");
				api(c, "c");
				await("three members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 3));
				List<String> ids = new ArrayList<>();
				for (int i = 0; i < jobs; i++) {
					ids.add(create(apiA, nginx.uri("/files/f" + i).toString(), out.resolve("f" + i)));
				}
				long started = System.nanoTime();
				await(() -> "every job TRANSFERRED: " + counted("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'") + "; the others: "
						+ rows("SELECT id, state, claimed_by, epoch, version, error_description FROM job WHERE state <> 'TRANSFERRED' LIMIT 5")
						+ "; members: " + rows("SELECT id, heartbeat FROM bits_engine"), Duration.ofMinutes(5),
						sql("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'", jobs));
				System.out.println("ClusterTest: " + jobs + " jobs transferred by three engines in "
						+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms after they were created");
				assertEquals(0, count("SELECT count(*) FROM job WHERE epoch <> 1"), "each job claimed once");
				assertEquals(jobs, count("SELECT count(DISTINCT job) FROM journal WHERE kind = 'JOB_TRANSFERRED'"));
				assertEquals(jobs, count("SELECT count(*) FROM journal WHERE kind = 'JOB_TRANSFERRED'"), "each job transferred once");
				// each file fetched once, whole: no engine transferred a job another one had
				Map<String, Integer> fetched = new HashMap<>();
				for (String line : Files.readAllLines(nginx.prefix.resolve("access.log"))) {
					if (line.startsWith("/files/f")) {
						assertTrue(line.contains(" 200 "), line);
						fetched.merge(line.split(" ")[0], 1, Integer::sum);
					}
				}
				assertEquals(jobs, fetched.size());
				fetched.forEach((path, n) -> assertEquals(1, n, path + " fetched " + n + " times"));
				// completed through the other engines' APIs: every engine sees every job
				String[] apiB = api(b, "b");
				String[] apiC = api(c, "c");
				for (int i = 0; i < jobs; i++) {
					HttpResponse<String> done = call(i % 2 == 0 ? apiB : apiC, "POST", "/jobs/" + ids.get(i) + "/complete", null);
					assertEquals(200, done.statusCode(), done.body());
				}
				assertEquals(0, count("SELECT count(*) FROM job"));
				for (int i = 0; i < jobs; i++) {
					assertArrayEquals(data.get("f" + i), Files.readAllBytes(out.resolve("f" + i)), "f" + i);
				}
			}
		}
	}

	/** @return the nginx access log's lines of requests for this path */
	private static Supplier<List<String>> requests(Nginx nginx, String path) {
		Path log = nginx.prefix.resolve("access.log");
		return () -> {
			try {
				return Files.readAllLines(log).stream().filter(l -> l.startsWith(path)).toList();
			} catch (IOException e) {
				return List.of();
			}
		};
	}

	/** @return the bytes nginx sent for this access log line */
	private static long sent(String line) {
		return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
	}

	@Test
	void theOwnersApiOnAnyEngineStopsATransferOnAnother() throws Exception { // C6, C2
		url = postgres.newDatabase();
		byte[] data = new byte[8 << 20];
		new Random(19).nextBytes(data);
		Path out = Files.createDirectories(tmp.resolve("out"));
		try (Nginx nginx = Nginx.start(tmp); EngineProcess a = engine("a", Map.of()); EngineProcess b = engine("b", Map.of())) {
			Files.write(nginx.root.resolve("files/one.bin"), data);
			Files.write(nginx.root.resolve("files/two.bin"), data);
			Map<Long, String[]> apis = Map.of(a.pid(), api(a, "a"), b.pid(), api(b, "b"));
			await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
			for (String name : List.of("one.bin", "two.bin")) {
				String id = create(apis.get(a.pid()), nginx.uri("/slow/" + name).toString(), out.resolve(name)); // 256 KiB/s: 32 s
				String row = "SELECT count(*) FROM job j JOIN file f ON f.job = j.id WHERE j.id = '" + id + "'";
				await("a checkpoint of " + name, Duration.ofSeconds(60), sql(row + " AND j.state = 'TRANSFERRING' AND f.bytes_transferred > 0", 1));
				long holder = holder(id);
				String[] other = apis.entrySet().stream().filter(e -> e.getKey() != holder).findFirst().orElseThrow().getValue();
				Supplier<List<String>> requests = requests(nginx, "/slow/" + name);

				// suspended through the other engine: the holder's transfer stops and lets go of its claim
				HttpResponse<String> suspended = call(other, "POST", "/jobs/" + id + "/suspend", null);
				long asked = System.nanoTime();
				assertEquals(200, suspended.statusCode(), suspended.body());
				await(() -> "the transfer let go: " + rows("SELECT state, claimed_by, epoch FROM job"), Duration.ofSeconds(10),
						sql(row + " AND j.state = 'SUSPENDED' AND j.claimed_by IS NULL", 1));
				long letGo = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
				// how soon is the benchmark's (bench/run.sh --only CLUSTER): timing is not a test's
				System.out.println("ClusterTest: " + name + " suspended on the other engine; the transfer let go after " + letGo + " ms");
				await(() -> "the request ended: " + requests.get(), Duration.ofSeconds(10), () -> requests.get().size() == 1);
				assertTrue(sent(requests.get().get(0)) < data.length, requests.get().toString());

				// resumed there: claimed again, and resumed from the checkpoint with a range
				assertEquals(200, call(other, "POST", "/jobs/" + id + "/resume", null).statusCode());
				await("the job transferring again", Duration.ofSeconds(30), sql(row + " AND j.state = 'TRANSFERRING' AND j.claimed_by IS NOT NULL", 1));
				await(() -> "a checkpoint of the second request: " + rows("SELECT bytes_transferred FROM file"), Duration.ofSeconds(30),
						sql(row + " AND f.bytes_transferred > " + sent(requests.get().get(0)), 1));
				long holderNow = holder(id);
				String[] otherNow = apis.entrySet().stream().filter(e -> e.getKey() != holderNow).findFirst().orElseThrow().getValue();

				// completed (one.bin) or cancelled (two.bin) through the engine not transferring it: it answers once the
				// holder let go, and the partial file is gone with the job
				String action = name.equals("one.bin") ? "complete" : "cancel";
				long before = System.nanoTime();
				HttpResponse<String> ended = call(otherNow, "POST", "/jobs/" + id + "/" + action, null);
				long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
				assertEquals(200, ended.statusCode(), ended.body());
				assertEquals(action.equals("complete") ? "ACKNOWLEDGED" : "CANCELLED", JSON.readTree(ended.body()).get("state").asText(), ended.body());
				System.out.println("ClusterTest: " + name + " " + (action.equals("complete") ? "completed" : "cancelled") + " on the engine not transferring it in " + took + " ms");
				assertEquals(0, count("SELECT count(*) FROM job WHERE id = '" + id + "'"));
				await(() -> "both requests ended: " + requests.get(), Duration.ofSeconds(10), () -> requests.get().size() == 2);
				assertTrue(requests.get().get(1).contains(" 206 \"bytes="), requests.get().toString());
				try (var files = Files.list(out)) {
					assertEquals(List.of(), files.toList(), "no partial file, no destination");
				}
			}
		}
	}

	@Test
	void aKilledEnginesJobWhosePartialFileIsNotReachableRestartsFromZero() throws Exception { // C4
		url = postgres.newDatabase();
		byte[] data = new byte[3 << 20];
		new Random(20).nextBytes(data);
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path dest = out.resolve("local.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/local.bin"), data);
			EngineProcess a = engine("a", Map.of("store.lease.s", "5"));
			EngineProcess b = engine("b", Map.of("store.lease.s", "5"));
			try {
				String[] apiA = api(a, "a");
				String[] apiB = api(b, "b");
				await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
				String id = create(apiA, nginx.uri("/slow/local.bin").toString(), dest);
				await("a checkpoint", Duration.ofSeconds(60), sql("SELECT count(*) FROM file WHERE bytes_transferred > " + (256 << 10), 1));
				long pid = holder(id);
				EngineProcess killed = a.pid() == pid ? a : b;
				String[] survivor = killed == a ? apiB : apiA;
				killed.kill();
				// the partial file was on the dead engine's own disk: the taker does not find it
				try (var files = Files.list(out)) {
					for (Path p : files.toList()) {
						Files.delete(p);
					}
				}
				await("the job TRANSFERRED on the other engine", Duration.ofSeconds(90), sql("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'", 1));
				List<String> requests = requests(nginx, "/slow/local.bin").get();
				assertEquals(2, requests.size(), requests.toString());
				assertTrue(requests.get(1).contains(" 200 "), "started again from byte 0: " + requests);
				assertEquals(data.length, sent(requests.get(1)), requests.toString());
				HttpResponse<String> done = call(survivor, "POST", "/jobs/" + id + "/complete", null);
				assertEquals(200, done.statusCode(), done.body());
				assertArrayEquals(data, Files.readAllBytes(dest));
			} finally {
				for (EngineProcess e : List.of(a, b)) {
					if (e.isAlive()) {
						e.close();
					}
				}
			}
		}
	}

	@Test
	void aDatabaseRestartUnderLoadLosesNothing() throws Exception { // C2-C4
		url = postgres.newDatabase();
		Path out = Files.createDirectories(tmp.resolve("out"));
		Random random = new Random(21);
		Map<String, byte[]> data = new HashMap<>();
		Map<String, String> room = Map.of("max.jobs.per.owner", "5000", "max.jobs", "5000");
		try (Nginx nginx = Nginx.start(tmp); EngineProcess a = engine("a", room); EngineProcess b = engine("b", room)) {
			for (int i = 0; i < 300; i++) {
				byte[] d = new byte[i < 4 ? 4 << 20 : 2048 + random.nextInt(8192)];
				random.nextBytes(d);
				data.put("f" + i, d);
				Files.write(nginx.root.resolve("files/f" + i), d);
			}
			String[] apiA = api(a, "a");
			String[] apiB = api(b, "b");
			await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
			Map<String, Integer> created = new java.util.concurrent.ConcurrentHashMap<>();
			for (int i = 0; i < 150; i++) { // four slow ones (16 s each) that transfer while the server restarts, and small ones
				created.put(create(apiA, nginx.uri((i < 4 ? "/slow/f" : "/files/f") + i).toString(), out.resolve("f" + i)), i);
			}
			// more jobs are created through b meanwhile; a create the restart cuts off may fail, and then it is no job
			java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
			Thread creator = new Thread(() -> {
				for (int i = 150; i < 300; i++) {
					try {
						HttpResponse<String> r = post(apiB, nginx.uri("/files/f" + i).toString(), out.resolve("f" + i), true);
						if (r.statusCode() == 201) {
							created.put(JSON.readTree(r.body()).get("id").asText(), i);
						} else {
							refused.incrementAndGet();
						}
					} catch (Exception e) {
						refused.incrementAndGet();
					}
				}
			});
			creator.start();
			await(() -> "slow jobs' checkpoints: " + rows("SELECT j.state, f.bytes_transferred, f.completed FROM job j JOIN file f ON f.job = j.id WHERE f.bytes_total > 65536"),
					Duration.ofSeconds(60), sql("SELECT count(*) FROM file WHERE bytes_transferred > 0 AND completed = 0", n -> n >= 2));
			postgres.restartImmediately();
			creator.join(120_000);
			assertTrue(!creator.isAlive(), "the creates ended");
			System.out.println("ClusterTest: " + created.size() + " jobs created, " + refused.get() + " creates refused while the database restarted");
			await(() -> "every job TRANSFERRED: " + rows("SELECT id, state, claimed_by, epoch, error_description FROM job WHERE state <> 'TRANSFERRED' LIMIT 5"),
					Duration.ofMinutes(3), () -> sql("SELECT count(*) FROM job WHERE state <> 'TRANSFERRED'", 0).getAsBoolean()
							&& sql("SELECT count(*) FROM job", n -> n >= created.size()).getAsBoolean());
			// a create whose answer the restart cut off may have committed: such a job is transferred too, nothing else is there
			long jobs = count("SELECT count(*) FROM job");
			assertTrue(jobs <= created.size() + refused.get(), jobs + " jobs");
			for (String id : created.keySet()) {
				assertEquals(1, count("SELECT count(*) FROM job WHERE id = '" + id + "' AND state = 'TRANSFERRED'"), id);
			}
			assertEquals(jobs, count("SELECT count(*) FROM journal WHERE kind = 'JOB_TRANSFERRED'"), "each job transferred once");
			assertEquals(jobs, count("SELECT count(DISTINCT job) FROM journal WHERE kind = 'JOB_TRANSFERRED'"));
			int n = 0;
			for (Map.Entry<String, Integer> job : created.entrySet()) {
				HttpResponse<String> done = call(n++ % 2 == 0 ? apiA : apiB, "POST", "/jobs/" + job.getKey() + "/complete", null);
				assertEquals(200, done.statusCode(), done.body());
				assertArrayEquals(data.get("f" + job.getValue()), Files.readAllBytes(out.resolve("f" + job.getValue())), "f" + job.getValue());
			}
		}
	}

	@Test
	void aLiveCallbackIsCalledOnTheEngineWhereItWasLastRegisteredOnly() throws Exception { // C5
		url = postgres.newDatabase();
		Path out = Files.createDirectories(tmp.resolve("out"));
		// a can provision the handler (it runs a command that appends to a file), b cannot
		Path notified = tmp.resolve("notified.log");
		Files.writeString(Files.createDirectories(tmp.resolve("a/config")).resolve("bits.samples.notifycommand.cfg"),
				"command=[\"sh\",\"-c\",\"echo %NAME% %STATE% >> " + notified + "\"]\n");
		Path index = Path.of(System.getProperty("bits.samples.index")).toAbsolutePath().normalize();
		try (Nginx nginx = Nginx.start(tmp); EngineProcess a = engine("a", Map.of("handler.repositories", index.toUri().toString()))) {
			EngineProcess b = engine("b", Map.of());
			try {
				Files.write(nginx.root.resolve("files/c5.bin"), new byte[100_000]);
				String[] apiA = api(a, "a");
				api(b, "b");
				await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
				List<String> ids = new ArrayList<>();
				for (String name : List.of("c5", "c5-handler")) {
					HttpResponse<String> created = call(apiA, "POST", "/jobs", Map.of("displayName", name, "handlerId", "bits.samples.notifycommand", "files",
							List.of(Map.of("remote", nginx.uri("/files/c5.bin").toString(), "local", out.resolve(name + ".bin").toString()))));
					assertEquals(201, created.statusCode(), created.body());
					ids.add(JSON.readTree(created.body()).get("id").asText());
				}
				String id = ids.get(0);
				String engineOf = "SELECT count(*) FROM job j JOIN bits_engine e ON e.id = j.callback_engine WHERE j.id = '%s' AND e.pid = %d";
				a.send("bits:watch " + id);
				await(() -> "a's registration: " + a.log(), Duration.ofSeconds(30), sql(engineOf.formatted(id, a.pid()), 1));
				b.send("bits:watch " + id); // the last registrant wins, on whichever engine
				await(() -> "b's registration: " + b.log(), Duration.ofSeconds(30), sql(engineOf.formatted(id, b.pid()), 1));
				int aSaid = a.log().length();
				assertEquals(200, call(apiA, "POST", "/jobs/" + id + "/resume", null).statusCode());
				String transferred = "bits: job " + id + " \"c5\" JOB_TRANSFERRED";
				await(() -> "b's callback called: " + b.log(), Duration.ofSeconds(60), () -> b.log().contains(transferred));
				await("the notification acknowledged", Duration.ofSeconds(30), sql("SELECT count(*) FROM outbox", 0));
				String aSince = a.log().substring(aSaid);
				assertTrue(!aSince.contains("bits: job " + id), "a's replaced callback was not called: " + aSince);
				assertTrue(Files.notExists(notified), "a did not call the handler while b's live callback was registered");

				// a live callback lasts as long as its engine: once b stops, the handler is called, on the engine that can
				String second = ids.get(1);
				b.send("bits:watch " + second);
				await(() -> "b's registration: " + b.log(), Duration.ofSeconds(30), sql(engineOf.formatted(second, b.pid()), 1));
				b.close();
				await("b's live callback ended with b", Duration.ofSeconds(30),
						sql("SELECT count(*) FROM job WHERE id = '" + second + "' AND callback_engine IS NULL", 1));
				assertEquals(200, call(apiA, "POST", "/jobs/" + second + "/resume", null).statusCode());
				await(() -> "the handler called on a: " + a.log(), Duration.ofSeconds(60), () -> {
					try {
						return Files.exists(notified) && Files.readString(notified).contains("c5-handler TRANSFERRED");
					} catch (IOException e) {
						return false;
					}
				});
				assertEquals(List.of("c5-handler TRANSFERRED"), Files.readAllLines(notified));
			} finally {
				if (b.isAlive()) {
					b.close();
				}
			}
		}
	}

	@Test
	void aJobWithItsFilesOnOneEnginesDiskIsPinnedToItWaitsForItAndIsCompletedThereFromAnyEngine() throws Exception { // C4, C6
		url = postgres.newDatabase();
		Path out = Files.createDirectories(tmp.resolve("out")); // "a's disk"
		Path shared = Files.createDirectories(tmp.resolve("shared"));
		byte[] data = new byte[1 << 20];
		new Random(22).nextBytes(data);
		Map<String, String> onA = Map.of("engine.name", "a", "store.shared.roots", shared.toString());
		try (Nginx nginx = Nginx.start(tmp); EngineProcess b = engine("b", Map.of("engine.name", "b", "store.shared.roots", shared.toString()))) {
			Files.write(nginx.root.resolve("files/pinned.bin"), data);
			Files.write(nginx.root.resolve("files/free.bin"), data);
			String[] apiB = api(b, "b");
			String pinned;
			String doomed;
			try (EngineProcess a = engine("a", onA)) {
				String[] apiA = api(a, "a");
				await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
				pinned = create(apiA, nginx.uri("/files/pinned.bin").toString(), out.resolve("pinned.bin"), false);
				doomed = create(apiA, nginx.uri("/slow/pinned.bin").toString(), out.resolve("doomed.bin"), false);
				assertEquals(2, count("SELECT count(*) FROM job WHERE pinned_to = 'a'"), rows("SELECT id, pinned_to FROM job"));
				// b cannot add a file of its own disk to a job pinned to a
				HttpResponse<String> refused = call(apiB, "PATCH", "/jobs/" + pinned,
						Map.of("files", List.of(Map.of("remote", nginx.uri("/files/free.bin").toString(), "local", tmp.resolve("b-only.bin").toString()))));
				assertEquals(400, refused.statusCode(), refused.body());
				assertTrue(refused.body().contains("pinned to engine 'a'"), refused.body());
				assertEquals(1, count("SELECT count(*) FROM file WHERE job = '" + pinned + "'"), "nothing added");
			}
			// a is stopped: its job waits for it, while b transfers a job whose file is on the shared root
			assertEquals(200, call(apiB, "POST", "/jobs/" + pinned + "/resume", null).statusCode());
			String free = create(apiB, nginx.uri("/files/free.bin").toString(), shared.resolve("free.bin"));
			await("the free job TRANSFERRED on b", Duration.ofSeconds(60), sql("SELECT count(*) FROM job WHERE id = '" + free + "' AND state = 'TRANSFERRED'", 1));
			assertEquals(1, count("SELECT count(*) FROM job WHERE id = '" + pinned + "' AND state = 'QUEUED' AND claimed_by IS NULL AND epoch = 0"),
					"the pinned job waits for a: " + rows("SELECT state, claimed_by, epoch FROM job WHERE id = '" + pinned + "'"));
			HttpResponse<String> notNow = call(apiB, "POST", "/jobs/" + pinned + "/complete", null);
			assertEquals(409, notNow.statusCode(), notNow.body());
			assertTrue(notNow.body().contains("engine 'a', which is not running now"), notNow.body());
			assertEquals(1, count("SELECT count(*) FROM job WHERE id = '" + pinned + "' AND state = 'QUEUED' AND pinned_request IS NULL"), "nothing changed");

			try (EngineProcess a = engine("a", onA)) { // a again, under a new member id
				await("the pinned job TRANSFERRED on a", Duration.ofSeconds(60), sql("SELECT count(*) FROM job WHERE id = '" + pinned + "' AND state = 'TRANSFERRED'", 1));
				// completed and cancelled through b: a renames and deletes on its disk
				HttpResponse<String> done = call(apiB, "POST", "/jobs/" + pinned + "/complete", null);
				assertEquals(200, done.statusCode(), done.body());
				assertEquals("ACKNOWLEDGED", JSON.readTree(done.body()).get("state").asText(), done.body());
				assertArrayEquals(data, Files.readAllBytes(out.resolve("pinned.bin")));
				assertEquals(200, call(apiB, "POST", "/jobs/" + doomed + "/resume", null).statusCode());
				await("a checkpoint of the doomed job", Duration.ofSeconds(60), sql("SELECT count(*) FROM file WHERE job = '" + doomed + "' AND bytes_transferred > 0", 1));
				HttpResponse<String> cancelled = call(apiB, "POST", "/jobs/" + doomed + "/cancel", null);
				assertEquals(200, cancelled.statusCode(), cancelled.body());
				assertEquals("CANCELLED", JSON.readTree(cancelled.body()).get("state").asText(), cancelled.body());
				try (var files = Files.list(out)) {
					assertEquals(List.of(out.resolve("pinned.bin")), files.toList(), "the partial file is gone, on a's disk");
				}
				assertEquals(200, call(apiB, "POST", "/jobs/" + free + "/complete", null).statusCode());
				assertEquals(0, count("SELECT count(*) FROM job"));
			}
		}
	}

	@Test
	void anUploadReplyJobIsPinnedToTheEngineItsReplyComesToAndCompletedThereFromAnyEngine() throws Exception { // C4, C6, U2
		url = postgres.newDatabase();
		Path shared = Files.createDirectories(tmp.resolve("shared"));
		Path received = Files.createDirectories(tmp.resolve("received"));
		byte[] data = new byte[3 << 20];
		new Random(18).nextBytes(data);
		Path question = Files.write(shared.resolve("question.bin"), data);
		Map<String, String> common = Map.of("store.shared.roots", shared.toString(), "file.roots", shared.toString());
		Map<String, String> onA = new HashMap<>(common);
		onA.put("engine.name", "a");
		Map<String, String> onB = new HashMap<>(common);
		onB.put("engine.name", "b");
		try (Nginx nginx = Nginx.start(tmp); EngineProcess b = engine("b", onB); EngineProcess a = engine("a", onA)) {
			String[] apiA = api(a, "a");
			String[] apiB = api(b, "b");
			await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
			// a's upload endpoint, whose server application (outside OSGi, here nginx) answers with the reply
			Files.writeString(tmp.resolve("a/config/bits.upload-in.cfg"), "name=in\npath=/in\ndirectory=" + received + "\nnotification.url="
					+ nginx.uri("/reply-app") + "\n");
			a.await(() -> Files.isDirectory(received.resolve(".bits-sessions")));
			String endpoint = apiA[0].substring(0, apiA[0].indexOf("/bits/api")) + "/in/question.bin";
			HttpResponse<String> created = call(apiA, "POST", "/jobs", Map.of("type", "UPLOAD_REPLY", "displayName", "question", "priority", "FOREGROUND",
					"files", List.of(Map.of("remote", endpoint, "local", question.toString())), "customHeaders",
					Map.of("Authorization", "Bearer " + apiA[1]), "resume", true));
			assertEquals(201, created.statusCode(), created.body());
			String id = JSON.readTree(created.body()).get("id").asText();
			// its file is on a shared root, but its reply comes to a's disk
			assertEquals(1, count("SELECT count(*) FROM job WHERE id = '" + id + "' AND pinned_to = 'a'"), rows("SELECT id, pinned_to FROM job"));
			await("the upload-reply job TRANSFERRED", Duration.ofSeconds(60), sql("SELECT count(*) FROM job WHERE id = '" + id + "' AND state = 'TRANSFERRED'", 1));

			// asked through b, the reply file is the one a puts it in, in a's store (bitsadmin /getreplyfilename)
			HttpResponse<String> asked = call(apiB, "POST", "/shell", Map.of("line", "bits:getreplyfilename " + id));
			assertEquals(200, asked.statusCode(), asked.body());
			StringBuilder named = new StringBuilder();
			for (String frame : asked.body().split("\n")) {
				if (!frame.isBlank() && JSON.readTree(frame).has("out")) {
					named.append(JSON.readTree(frame).get("out").asText());
				}
			}
			assertTrue(asked.body().contains("\"exit\":0"), asked.body());
			HttpResponse<String> done = call(apiB, "POST", "/jobs/" + id + "/complete", null); // through b: a puts the reply in place
			assertEquals(200, done.statusCode(), done.body());
			assertEquals("ACKNOWLEDGED", JSON.readTree(done.body()).get("state").asText(), done.body());
			List<Path> replies;
			try (var found = Files.walk(tmp.resolve("a"))) {
				replies = found.filter(f -> f.getFileName().toString().equals(id + ".reply")).toList();
			}
			assertEquals(1, replies.size(), "the reply file, in a's store: " + replies);
			assertEquals(replies.get(0), Path.of(named.toString().strip()), "the reply file b named");
			assertEquals("the application's reply", Files.readString(replies.get(0)));
			assertArrayEquals(data, Files.readAllBytes(received.resolve("question.bin")), "closed: in place at the server");
		}
	}

	@Test
	void anEnginePausedPastItsLeaseIsFencedAndNothingCompletesTwice() throws Exception { // C3
		url = postgres.newDatabase();
		byte[] data = new byte[5 << 20];
		new Random(18).nextBytes(data);
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("paused.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/paused.bin"), data);
			EngineProcess a = engine("a", Map.of("store.lease.s", "5"));
			EngineProcess b = engine("b", Map.of("store.lease.s", "5"));
			try {
				String[] apiA = api(a, "a");
				String[] apiB = api(b, "b");
				await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
				String id = create(apiA, nginx.uri("/slow/paused.bin").toString(), dest); // 256 KiB/s: about 20 s
				await("a checkpoint", Duration.ofSeconds(60), sql("SELECT count(*) FROM file WHERE bytes_transferred > " + (256 << 10), 1));
				// the engine transferring it: its member row names its process
				long pid = holder(id);
				EngineProcess paused = a.pid() == pid ? a : b;
				assertEquals(pid, paused.pid());
				signal("STOP", pid);
				try {
					// the other engine takes the job over (epoch 2) and claims it (epoch 3) while the paused one holds its old claim
					await("the other engine's claim", Duration.ofSeconds(60), sql("SELECT count(*) FROM job WHERE epoch = 3 AND claimed_by IS NOT NULL", 1));
				} finally {
					signal("CONT", pid);
				}
				await("the job TRANSFERRED", Duration.ofSeconds(120), sql("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'", 1));
				// the paused engine's request (from byte 0: 200) ends once its first write after the pause is refused:
				// cut off, never read to the end
				Supplier<List<String>> requests = requests(nginx, "/slow/paused.bin");
				await(() -> "both requests ended: " + requests.get() + "; epoch " + counted("SELECT epoch FROM job") + "; what the engines said of it:\n"
						+ said(apiA, "a") + said(apiB, "b"), Duration.ofSeconds(60), () -> requests.get().size() == 2);
				String first = requests.get().stream().filter(l -> l.contains(" 200 ")).findFirst().orElseThrow();
				assertTrue(sent(first) < data.length, "the paused engine stopped: " + first);
				assertEquals(3, count("SELECT epoch FROM job"), "no claim since: the paused engine's late writes were refused");
				assertEquals(1, count("SELECT count(*) FROM journal WHERE kind = 'JOB_TRANSFERRED'"), "transferred once");
				HttpResponse<String> done = call(apiA, "POST", "/jobs/" + id + "/complete", null);
				assertEquals(200, done.statusCode(), done.body());
				assertArrayEquals(data, Files.readAllBytes(dest));
				assertEquals(0, count("SELECT count(*) FROM job"));
				assertTrue(paused.isAlive(), "the paused engine runs on");
				String pausedSaid = said(paused == a ? apiA : apiB, "paused");
				assertFalse(pausedSaid.contains("transfer failed unexpectedly"), "losing its claim is no fault of the transfer: " + pausedSaid);
				System.out.println("ClusterTest: the paused engine's request and the taker's: " + requests.get());
			} finally {
				for (EngineProcess e : List.of(a, b)) { // b too: left running, it outlived the test run by minutes
					if (e.isAlive()) {
						e.close();
					}
				}
			}
		}
	}

	/**
	 * @return the engine's recent log entries (the OSGi Log Service's, through the shell's {@code log} command: the
	 *         distribution writes no log of its own), for a failure's message
	 */
	private static String said(String[] api, String name) {
		try {
			HttpResponse<String> r = call(api, "POST", "/shell", Map.of("line", "log 100 debug"));
			StringBuilder out = new StringBuilder();
			for (String frame : r.body().split("\n")) {
				if (!frame.isBlank() && JSON.readTree(frame).has("out")) {
					out.append(JSON.readTree(frame).get("out").asText());
				}
			}
			return out.toString().lines().filter(l -> !l.contains("ServiceEvent") && !l.contains("BundleEvent")).map(l -> name + ": " + l + "\n")
					.collect(java.util.stream.Collectors.joining());
		} catch (Exception e) {
			return name + ": its log cannot be read: " + e + "\n";
		}
	}

	private static void signal(String name, long pid) throws Exception {
		Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
		assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " " + pid);
	}

	@Test
	void aKilledEnginesJobIsTakenOverWithinTwentySecondsAndResumed() throws Exception { // C4
		url = postgres.newDatabase();
		byte[] data = new byte[6 << 20];
		new Random(17).nextBytes(data);
		Path dest = Files.createDirectories(tmp.resolve("out")).resolve("big.bin");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/big.bin"), data);
			EngineProcess a = engine("a", Map.of());
			try {
				String[] apiA = api(a, "a");
				// /slow/: 256 KiB/s, about 24 s for the whole file; a checkpoint every second
				String id = create(apiA, nginx.uri("/slow/big.bin").toString(), dest);
				await("a's checkpoints", Duration.ofSeconds(60), sql("SELECT count(*) FROM file WHERE bytes_transferred > " + (1 << 20), 1));
				try (EngineProcess b = engine("b", Map.of())) {
					api(b, "b");
					await("two members", Duration.ofSeconds(60), sql("SELECT count(*) FROM bits_engine", 2));
					long checkpoint = count("SELECT max(bytes_transferred) FROM file");
					a.kill(); // SIGKILL: no goodbye, its lease runs out
					long killed = System.nanoTime();
					// a's claim was epoch 1; the takeover's is 2, b's claim 3
					await("b's claim of the job", Duration.ofSeconds(60), sql("SELECT count(*) FROM job WHERE epoch = 3 AND claimed_by IS NOT NULL", 1));
					long takeover = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
					assertTrue(takeover <= 20_000, "taken over after " + takeover + " ms");
					await("the job TRANSFERRED on b", Duration.ofSeconds(90), sql("SELECT count(*) FROM job WHERE state = 'TRANSFERRED'", 1));
					HttpResponse<String> done = call(api(b, "b"), "POST", "/jobs/" + id + "/complete", null);
					assertEquals(200, done.statusCode(), done.body());
					assertArrayEquals(data, Files.readAllBytes(dest));
					// b resumed from a checkpoint of a's: its one request asked for a range, and fetched less than the file
					List<String> requests = Files.readAllLines(nginx.prefix.resolve("access.log")).stream().filter(l -> l.startsWith("/slow/big.bin"))
							.toList();
					assertEquals(2, requests.size(), requests.toString());
					String resumed = requests.get(1);
					assertTrue(resumed.contains(" 206 \"bytes="), resumed);
					long sent = sent(resumed);
					assertTrue(sent <= data.length - checkpoint, "b fetched " + sent + " bytes, a had checkpointed " + checkpoint);
					System.out.println("ClusterTest: taken over " + takeover + " ms after SIGKILL; resumed at " + (data.length - sent) + " of "
							+ data.length + " bytes");
				}
			} finally {
				if (a.isAlive()) {
					a.kill();
				}
			}
		}
	}
}
