package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.AuthTarget;
import bits.api.JobScope;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** POST /shell: the command line attached to a running engine (SPEC S4). */
class ShellApiIT {
	private static final ObjectMapper JSON = new ObjectMapper();
	@TempDir
	static Path tmp;
	static Nginx nginx;
	static TransferManager manager;
	static URI shell;
	static String admin;

	/** What an answer carried: stdout, stderr, the exit status. */
	record Run(String out, String err, int exit) {
	}

	@BeforeAll
	static void start() throws Exception {
		nginx = Nginx.start(tmp);
		ApiEngine engine = ApiEngine.start(tmp);
		manager = engine.manager();
		shell = URI.create(engine.api() + "/shell");
		admin = engine.admin();
		await("the shell resource", () -> {
			try {
				return post(admin, "{\"line\": \"bits:list\"}").statusCode() == 200;
			} catch (Exception e) {
				throw new IllegalStateException(e);
			}
		});
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
	void onlyTheAdminTokenRunsCommands() throws Exception {
		assertEquals(401, post(null, "{\"line\": \"bits:list\"}").statusCode());
		assertEquals(401, post("nope", "{\"line\": \"bits:list\"}").statusCode());
		String owner = run(Map.of("line", "bits:apitoken shell.owner")).out().strip();
		HttpResponse<String> refused = post(owner, "{\"line\": \"bits:create never\"}");
		assertEquals(403, refused.statusCode(), refused.body());
		assertEquals("0x80070005", JSON.readTree(refused.body()).get("code").asText());
		assertTrue(manager.listJobs(JobScope.ALL_OWNERS).isEmpty(), "the refused command did not run");
	}

	@Test
	void aBadRequestIs400AndRunsNothing() throws Exception { // S5
		for (String body : new String[] { "{\"line\": \"bits:create a\", \"script\": \"bits:create b\"}", "{\"line\": \"bits:create a\", \"bogus\": 1}",
				"{\"line\": \"bits:create a\"", "{}", "{\"line\": \" \"}" }) {
			HttpResponse<String> r = post(admin, body);
			assertEquals(400, r.statusCode(), body + ": " + r.body());
			assertEquals("0x80070057", JSON.readTree(r.body()).get("code").asText());
		}
		assertTrue(manager.listJobs(JobScope.ALL_OWNERS).isEmpty());
	}

	@Test
	void aCommandsOutputAndExitStatusAreThoseOfTheOneShot() throws Exception {
		Run created = run(Map.of("line", "bits:create 'attached job'"));
		assertEquals(0, created.exit(), created.err());
		assertEquals("", created.err());
		TransferJob job = manager.listJobs(JobScope.ALL_OWNERS).get(0);
		assertEquals(job.getId() + "\n", created.out(), "the engine's own job");

		Run listed = run(Map.of("line", "bits:list --all --json"));
		assertEquals(0, listed.exit());
		JsonNode jobs = JSON.readTree(listed.out());
		assertEquals("attached job", jobs.get(0).get("displayName").asText());

		Run failed = run(Map.of("line", "bits:info nosuch"));
		assertEquals(new Run("", "bits: no job with id, id prefix or display name 'nosuch'\n", 1), failed);
	}

	@Test
	void theInputReachesSetcredentials() throws Exception {
		TransferJob job = manager.createJob("credentials");
		Run set = run(Map.of("line", "bits:setcredentials credentials SERVER BASIC user", "input", "s3cret\n"));
		assertEquals(0, set.exit(), set.err());
		assertTrue(job.hasCredentials(AuthTarget.SERVER));
		Run none = run(Map.of("line", "bits:setcredentials credentials PROXY BASIC user"));
		assertEquals(1, none.exit());
		assertTrue(none.err().startsWith("bits: no password: the input ended before a line"), none.err());
		assertFalse(job.hasCredentials(AuthTarget.PROXY));
	}

	@Test
	void aScriptRunsItsLinesInOneSessionAsGogosShellDoes() throws Exception {
		Run r = run(Map.of("script", "name = scripted\nbits:create $name\nbits:info nosuch\nbits:list\n"));
		assertEquals(0, r.exit());
		String id = manager.listJobs(JobScope.ALL_OWNERS).get(0).getId().toString();
		assertEquals(String.join("\n", "scripted", id, "gogo: TransferException: no job with id, id prefix or display name 'nosuch'",
				id + " SUSPENDED NORMAL 0/0 0/0 \"scripted\" bits.engine", ""), r.out());
	}

	@Test
	void progressIsABarWhenTheCallersTerminalIsOne() throws Exception {
		Files.write(nginx.root.resolve("files/bar.bin"), randomBytes(200_000, 5));
		TransferJob job = manager.createJob("bar");
		job.addFile(nginx.uri("/files/bar.bin"), tmp.resolve("bar.bin"));
		job.resume();
		Run bar = run(Map.of("line", "bits:wait bar", "terminal", true));
		assertEquals(new Run("TRANSFERRED\n", bar.err(), 0), bar);
		assertTrue(bar.err().startsWith("\r[") && bar.err().contains("100%"), bar.err());
		Run lines = run(Map.of("line", "bits:wait bar", "terminal", false));
		assertTrue(lines.err().startsWith("bits: TRANSFERRED"), lines.err());
	}

	@Test
	void theCommandStopsWhenTheClientGoes() throws Exception {
		manager.createJob("waited"); // SUSPENDED: bits:wait would wait for ever
		HttpURLConnection c = (HttpURLConnection) URI.create(shell.toString()).toURL().openConnection();
		c.setRequestMethod("POST");
		c.setDoOutput(true);
		c.setRequestProperty("Authorization", "Bearer " + admin);
		c.getOutputStream().write("{\"line\": \"bits:wait waited\"}".getBytes(StandardCharsets.UTF_8));
		assertEquals(200, c.getResponseCode());
		InputStream in = c.getInputStream();
		assertTrue(in.read() >= 0, "a frame or a heartbeat");
		await("the command running", () -> commandThread() != null);
		c.disconnect(); // the client goes: Ctrl+C
		in.close();
		await("the command interrupted", () -> commandThread() == null);
	}

	private static Thread commandThread() {
		return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("pipe-bits:wait waited")).findFirst().orElse(null);
	}

	/** Runs a request and reads its frames. */
	static Run run(Map<String, Object> body) throws Exception {
		HttpResponse<String> r = post(admin, JSON.writeValueAsString(body));
		assertEquals(200, r.statusCode(), r.body());
		assertEquals("application/x-ndjson;charset=utf-8", r.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase());
		StringBuilder out = new StringBuilder();
		StringBuilder err = new StringBuilder();
		Integer exit = null;
		for (String line : r.body().split("\n")) {
			if (line.isBlank()) {
				continue; // a heartbeat
			}
			assertEquals(null, exit, "nothing after the exit status");
			JsonNode frame = JSON.readTree(line);
			assertEquals(1, frame.size(), line);
			if (frame.has("out")) {
				out.append(frame.get("out").asText());
			} else if (frame.has("err")) {
				err.append(frame.get("err").asText());
			} else {
				exit = frame.get("exit").asInt();
			}
		}
		assertTrue(exit != null, "the exit status ends the answer: " + r.body());
		return new Run(out.toString(), err.toString(), exit);
	}

	static HttpResponse<String> post(String token, String body) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(shell).timeout(Engine.TIMEOUT).header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body));
		if (token != null) {
			b.header("Authorization", "Bearer " + token);
		}
		return ApiEngine.client().send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}
}
