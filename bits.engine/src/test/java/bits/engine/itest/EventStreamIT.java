package bits.engine.itest;

import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.JobScope;
import bits.api.JobState;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** The event stream: live job changes, durable notifications replayed after Last-Event-ID, owners kept apart (SPEC S1-S3). */
class EventStreamIT {
	private static final ObjectMapper JSON = new ObjectMapper();
	@TempDir
	static Path tmp;
	static Nginx nginx;
	static TransferManager manager;
	static URI api;
	static String admin;
	static String ownerA;
	static String ownerB;

	@BeforeAll
	static void start() throws Exception {
		nginx = Nginx.start(tmp);
		Files.write(nginx.root.resolve("files/small.bin"), randomBytes(50_000, 31));
		Files.write(nginx.root.resolve("files/large.bin"), randomBytes(1_500_000, 32)); // about 6 s at /slow/'s 256 KiB/s
		ApiEngine engine = ApiEngine.start(tmp);
		manager = engine.manager();
		api = engine.api();
		admin = engine.admin();
		ownerA = engine.token("events.a");
		ownerB = engine.token("events.b");
	}

	@AfterAll
	static void stop() throws Exception {
		nginx.close();
	}

	@AfterEach
	void cancelLeftovers() {
		manager.listJobs(JobScope.ALL_OWNERS).forEach(TransferJob::cancel);
	}

	@Test
	void aClientThatConnectsAfterTheJobWasTransferredIsSentItsNotifications() throws Exception { // S3
		// the job wants no callback at all: the stream's notifications do not depend on the callback flags
		String id = createAndTransfer(ownerA, "small.bin", List.of("DISABLE"));
		try (Stream events = Stream.open("/events?job=" + id, ownerA, null)) {
			Event job = events.next(e -> e.type.equals("job"));
			assertEquals(id, job.data.get("id").asText());
			assertEquals("TRANSFERRED", job.data.get("state").asText());
			assertEquals(null, job.id, "a job's change is not replayed: it has no id");
			Event file = events.next(e -> e.type.equals("notification"));
			assertEquals("FILE_TRANSFERRED", file.data.get("kind").asText());
			assertEquals(0, file.data.get("file").asInt());
			Event transferred = events.next(e -> e.type.equals("notification"));
			assertEquals("JOB_TRANSFERRED", transferred.data.get("kind").asText());
			assertEquals(id, transferred.data.get("job").asText());
			assertEquals("events.a", transferred.data.get("owner").asText());
			assertEquals(String.valueOf(transferred.data.get("id").asLong()), transferred.id);
			assertTrue(Long.parseLong(transferred.id) > Long.parseLong(file.id));
		}
		assertEquals(200, RestIT.call("POST", "/jobs/" + id + "/complete", ownerA, null, api).statusCode());
		// the job is gone, its notifications are still there to replay
		try (Stream events = Stream.open("/events?job=" + id, ownerA, null)) {
			assertEquals("FILE_TRANSFERRED", events.next(e -> e.type.equals("notification")).data.get("kind").asText());
			assertEquals("JOB_TRANSFERRED", events.next(e -> e.type.equals("notification")).data.get("kind").asText());
		}
	}

	@Test
	void aClientThatReconnectsWithItsLastEventIdMissesNothing() throws Exception { // S3
		String last;
		String first;
		try (Stream events = Stream.open("/events", ownerA, null)) {
			first = createAndTransfer(ownerA, "small.bin", List.of("JOB_TRANSFERRED"));
			Event e = events.next(n -> n.type.equals("notification") && n.data.get("kind").asText().equals("JOB_TRANSFERRED"));
			assertEquals(first, e.data.get("job").asText());
			last = e.id;
		}
		// while the client is away
		String second = createAndTransfer(ownerA, "small.bin", List.of("JOB_TRANSFERRED"));
		manager.getJob(UUID.fromString(second), JobScope.ALL_OWNERS).complete();
		try (Stream events = Stream.open("/events", ownerA, last)) {
			Event file = events.next(n -> n.type.equals("notification"));
			assertEquals(second, file.data.get("job").asText(), "nothing of the job before the last event id: " + file);
			assertEquals("FILE_TRANSFERRED", file.data.get("kind").asText());
			Event transferred = events.next(n -> n.type.equals("notification"));
			assertEquals(second, transferred.data.get("job").asText());
			assertEquals("JOB_TRANSFERRED", transferred.data.get("kind").asText());
			assertTrue(Long.parseLong(file.id) > Long.parseLong(last));
		}
		// the query parameter, for a client that cannot send the header, and nothing new since: no notification
		try (Stream events = Stream.open("/events?lastEventId=" + Long.MAX_VALUE / 2, ownerA, null)) {
			String third = createAndTransfer(ownerA, "small.bin", List.of("DISABLE"));
			Event done = events.next(n -> n.type.equals("job") && n.data.get("id").asText().equals(third) && n.data.get("state").asText().equals("TRANSFERRED"));
			assertTrue(events.seen.stream().noneMatch(n -> n.type.equals("notification")), events.seen.toString() + " after " + done);
		}
	}

	@Test
	void aJobErrorRecordedBeforeTheEngineRestartedIsReplayedAfterIt() throws Exception { // S3: the journal is durable
		String id = create(ownerA, "/files/no-such-file.bin", List.of("JOB_ERROR"));
		assertEquals(200, RestIT.call("POST", "/jobs/" + id + "/resume", ownerA, null, api).statusCode());
		Engine.awaitState(manager.getJob(UUID.fromString(id), JobScope.ALL_OWNERS), JobState.ERROR);
		manager = Engine.restart();
		Engine.await("the API after the engine's restart", () -> {
			try {
				return RestIT.call("GET", "/engine", ownerA, null, api).statusCode() == 200;
			} catch (Exception e) {
				return false;
			}
		});
		try (Stream events = Stream.open("/events", ownerA, "0")) {
			Event error = events.next(n -> n.type.equals("notification") && n.data.get("job").asText().equals(id));
			assertEquals("JOB_ERROR", error.data.get("kind").asText(), error.toString());
		}
	}

	@Test
	void progressAndStatesArriveLive() throws Exception { // S1
		String id = create(ownerA, "/slow/large.bin", List.of("JOB_TRANSFERRED"));
		try (Stream events = Stream.open("/events?job=" + id, ownerA, null)) {
			assertEquals("SUSPENDED", events.next(e -> e.type.equals("job")).data.get("state").asText());
			assertEquals(200, RestIT.call("POST", "/jobs/" + id + "/resume", ownerA, null, api).statusCode());
			Event moving = events.next(e -> e.type.equals("job") && e.data.get("state").asText().equals("TRANSFERRING")
					&& e.data.get("bytesTransferred").asLong() > 0 && e.data.get("bytesTransferred").asLong() < 1_500_000);
			long seen = moving.data.get("bytesTransferred").asLong();
			Event more = events.next(e -> e.type.equals("job") && e.data.get("bytesTransferred").asLong() > seen);
			assertEquals(1_500_000, more.data.get("bytesTotal").asLong());
			events.next(e -> e.type.equals("job") && e.data.get("state").asText().equals("TRANSFERRED"));
			assertEquals("JOB_TRANSFERRED", events.next(e -> e.type.equals("notification") && e.data.get("kind").asText().startsWith("JOB")).data
					.get("kind").asText());
			assertEquals(200, RestIT.call("POST", "/jobs/" + id + "/complete", ownerA, null, api).statusCode());
			assertEquals("ACKNOWLEDGED", events.next(e -> e.type.equals("job") && !e.data.get("state").asText().equals("TRANSFERRED")).data
					.get("state").asText(), "the job's end is sent too");
		}
	}

	@Test
	void anOwnerSeesOnlyItsOwnJobsAndTheAdminEveryOnes() throws Exception { // S2
		String a = create(ownerA, "/files/small.bin", List.of("DISABLE"));
		assertEquals(404, open("/events?job=" + a, ownerB, null).statusCode(), "another owner's job does not exist");
		assertEquals(404, open("/events?job=not-a-job", ownerB, null).statusCode());
		assertEquals(403, open("/events?all=true", ownerB, null).statusCode());
		assertEquals(401, open("/events", "not-a-token", null).statusCode());
		assertEquals(400, open("/events", ownerB, "yesterday").statusCode());
		try (Stream b = Stream.open("/events", ownerB, null); Stream all = Stream.open("/events?all=true", admin, null)) {
			assertEquals(200, RestIT.call("POST", "/jobs/" + a + "/resume", ownerA, null, api).statusCode());
			all.next(e -> e.type.equals("notification") && e.data.get("job").asText().equals(a) && e.data.get("kind").asText().equals("JOB_TRANSFERRED"));
			// B's own job after A's: once B sees it, A's events (which came first) would have been seen too
			String own = create(ownerB, "/files/small.bin", List.of("DISABLE"));
			b.next(e -> e.type.equals("job") && e.data.get("id").asText().equals(own));
			all.next(e -> e.type.equals("job") && e.data.get("id").asText().equals(own));
			assertTrue(b.seen.stream().noneMatch(e -> e.data.toString().contains(a)), "B was sent A's job: " + b.seen);
		}
	}

	@Test
	void theStreamIsDocumented() throws Exception { // S1: the OpenAPI file and the stream agree
		Bundle engine = Engine.bundle();
		JsonNode spec;
		try (var in = engine.getEntry("bits/engine/rest/openapi.json").openStream()) {
			spec = JSON.readTree(in);
		}
		JsonNode operation = spec.at("/paths/~1events/get");
		assertTrue(operation.at("/responses/200/content").has("text/event-stream"), operation.toString());
		for (int status : new int[] { 400, 401, 403, 404 }) {
			assertTrue(operation.at("/responses").has(String.valueOf(status)), "status " + status + " documented");
		}
		String id = createAndTransfer(ownerA, "small.bin", List.of("DISABLE"));
		try (Stream events = Stream.open("/events?job=" + id, ownerA, null)) {
			assertTrue(events.contentType.startsWith("text/event-stream"), events.contentType);
			Event n = events.next(e -> e.type.equals("notification"));
			spec.at("/components/schemas/Notification/required").forEach(f -> assertTrue(n.data.has(f.asText()), "no " + f + " in " + n));
			Event j = events.seen.get(0);
			spec.at("/components/schemas/Job/required").forEach(f -> assertTrue(j.data.has(f.asText()), "no " + f + " in " + j));
		}
	}

	// --- helpers ----------------------------------------------------------------------------------------------

	/** A job of the token's owner with one file of nginx, suspended; @return its id */
	private static String create(String token, String path, List<String> flags) throws Exception {
		Path local = Files.createDirectories(tmp.resolve("out")).resolve(UUID.randomUUID() + ".bin");
		var created = RestIT.call("POST", "/jobs", token, Map.of("displayName", "events", "notifyFlags", flags, "files",
				List.of(Map.of("remote", nginx.uri(path).toString(), "local", local.toString()))), api);
		assertEquals(201, created.statusCode(), created.body());
		return JSON.readTree(created.body()).get("id").asText();
	}

	private static String createAndTransfer(String token, String file, List<String> flags) throws Exception {
		String id = create(token, "/files/" + file, flags);
		assertEquals(200, RestIT.call("POST", "/jobs/" + id + "/resume", token, null, api).statusCode());
		Engine.awaitState(manager.getJob(UUID.fromString(id), JobScope.ALL_OWNERS), JobState.TRANSFERRED);
		return id;
	}

	private static HttpResponse<String> open(String path, String token, String lastEventId) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Engine.TIMEOUT).header("Authorization", "Bearer " + token);
		if (lastEventId != null) {
			b.header("Last-Event-ID", lastEventId);
		}
		return ApiEngine.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
	}

	record Event(String type, String id, JsonNode data) {
	}

	/** A stream read by a thread of its own into a queue of parsed events. */
	static final class Stream implements AutoCloseable {
		final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
		final List<Event> seen = new ArrayList<>();
		final String contentType;
		private final java.util.stream.Stream<String> lines;

		private Stream(HttpResponse<java.util.stream.Stream<String>> response) {
			contentType = response.headers().firstValue("Content-Type").orElse("");
			lines = response.body();
			Thread t = new Thread(this::read, "event stream reader");
			t.setDaemon(true);
			t.start();
		}

		static Stream open(String path, String token, String lastEventId) throws Exception {
			HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token);
			if (lastEventId != null) {
				b.header("Last-Event-ID", lastEventId);
			}
			var response = ApiEngine.client().send(b.build(), HttpResponse.BodyHandlers.ofLines());
			assertEquals(200, response.statusCode());
			return new Stream(response);
		}

		private void read() {
			String type = "message";
			String id = null;
			StringBuilder data = new StringBuilder();
			try {
				for (var it = lines.iterator(); it.hasNext();) {
					String line = it.next();
					if (line.isEmpty()) {
						if (data.length() > 0) {
							queue.add(new Event(type, id, JSON.readTree(data.toString())));
						}
						type = "message";
						id = null;
						data.setLength(0);
					} else if (line.startsWith("event: ")) {
						type = line.substring(7);
					} else if (line.startsWith("id: ")) {
						id = line.substring(4);
					} else if (line.startsWith("data: ")) {
						data.append(line.substring(6));
					}
				}
				queue.add("end of stream");
			} catch (Exception e) {
				queue.add(e);
			}
		}

		/** @return the next event that matches, waiting up to the tests' timeout; the others are kept in {@link #seen} */
		Event next(Predicate<Event> wanted) throws InterruptedException {
			long deadline = System.nanoTime() + Engine.TIMEOUT.toNanos();
			while (true) {
				Object o = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				assertTrue(o != null, "no such event within " + Engine.TIMEOUT + "; seen " + seen);
				assertTrue(o instanceof Event, o + " after " + seen);
				Event e = (Event) o;
				seen.add(e);
				if (wanted.test(e)) {
					return e;
				}
			}
		}

		@Override
		public void close() {
			lines.close();
		}
	}

}
