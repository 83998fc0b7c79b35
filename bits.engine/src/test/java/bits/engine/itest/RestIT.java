package bits.engine.itest;

import org.sqlite.SQLiteDataSource;
import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.JobScope;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** The management API over HTTP: resources, tokens and owners, errors, secrets (SPEC S1, S2, S5). */
class RestIT {
	private static final ObjectMapper JSON = new ObjectMapper();
	private static final String SECRET = "header-value-never-returned";
	private static final String PASSWORD = "password-never-returned";
	@TempDir
	static Path tmp;
	static Path store;
	static Nginx nginx;
	static TransferManager manager;
	static URI api;
	static String admin;
	static String ownerA;
	static String ownerB;
	static byte[] data = randomBytes(300_000, 12);

	@BeforeAll
	static void start() throws Exception {
		nginx = Nginx.start(tmp);
		Files.write(nginx.root.resolve("files/rest.bin"), data);
		ApiEngine engine = ApiEngine.start(tmp);
		store = engine.store();
		manager = engine.manager();
		api = engine.api();
		admin = engine.admin();
		ownerA = engine.token("rest.a");
		ownerB = engine.token("rest.b");
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
	void listensOnLoopbackAndKeepsItsTokensPrivate() throws Exception { // S1, S2
		assertTrue(InetAddress.getByName(api.getHost()).isLoopbackAddress(), api.toString());
		assertEquals("/bits/api/v1", api.getPath());
		assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(store.resolve("api-tokens")));
		assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(store.resolve("api-address")));
		assertEquals(43, admin.length(), "32 random bytes, base64url");
	}

	@Test
	void aRequestWithoutAGoodTokenIs401() throws Exception { // S2
		HttpResponse<String> none = ApiEngine.client().send(HttpRequest.newBuilder(api.resolve(api.getPath() + "/jobs")).GET().build(), HttpResponse.BodyHandlers.ofString());
		assertEquals(401, none.statusCode());
		assertEquals("0x80070005", JSON.readTree(none.body()).get("code").asText());
		assertEquals(401, call("GET", "/jobs", "not-a-token", null).statusCode());
		assertEquals(401, call("GET", "/jobs", admin + "x", null).statusCode());
	}

	@Test
	void aJobCreatedWithItsFilesTransfersAndCompletes() throws Exception { // S1
		Path local = Files.createDirectories(tmp.resolve("out")).resolve("rest.bin");
		var created = call("POST", "/jobs", ownerA, Map.of("displayName", "over rest", "description", "d", "priority", "FOREGROUND",
				"files", List.of(Map.of("remote", nginx.uri("/files/rest.bin").toString(), "local", local.toString())),
				"notifyFlags", List.of("JOB_TRANSFERRED"), "minimumRetryDelaySeconds", 7, "noProgressTimeoutSeconds", 300, "resume", true));
		assertEquals(201, created.statusCode(), created.body());
		JsonNode job = JSON.readTree(created.body());
		String id = job.get("id").asText();
		assertEquals("rest.a", job.get("owner").asText());
		assertEquals("rest.a", manager.getJob(UUID.fromString(id), JobScope.ALL_OWNERS).getOwner());
		assertEquals("FOREGROUND", job.get("priority").asText());
		assertEquals(7, job.get("minimumRetryDelaySeconds").asLong());
		assertEquals(300, job.get("noProgressTimeoutSeconds").asLong());
		assertTrue(created.headers().firstValue("Location").orElseThrow().endsWith("/jobs/" + id));
		await("the job TRANSFERRED over the API", () -> "TRANSFERRED".equals(state(id)));
		JsonNode files = json(call("GET", "/jobs/" + id + "/files", ownerA, null));
		assertEquals(1, files.size());
		assertEquals(data.length, files.get(0).get("bytesTransferred").asLong());
		assertEquals(local.toString(), files.get(0).get("localPath").asText());
		var completed = call("POST", "/jobs/" + id + "/complete", ownerA, null);
		assertEquals(200, completed.statusCode(), completed.body());
		assertEquals("ACKNOWLEDGED", JSON.readTree(completed.body()).get("state").asText());
		assertEquals(sha256(data), sha256(local));
	}

	@Test
	void eachResourceAnswers() throws Exception { // S1
		String id = json(call("POST", "/jobs", ownerA, Map.of("displayName", "props"))).get("id").asText();
		assertEquals(1, json(call("GET", "/jobs", ownerA, null)).size());
		var patched = call("PATCH", "/jobs/" + id, ownerA, Map.of("displayName", "renamed", "priority", "LOW", "redirectPolicy", "ALLOW_HTTPS_TO_HTTP",
				"maxDownloadSize", 1000, "notifyFlags", List.of("JOB_ERROR")));
		assertEquals(200, patched.statusCode(), patched.body());
		JsonNode job = json(call("GET", "/jobs/" + id, ownerA, null));
		assertEquals("renamed", job.get("displayName").asText());
		assertEquals("LOW", job.get("priority").asText());
		assertEquals("ALLOW_HTTPS_TO_HTTP", job.get("redirectPolicy").asText());
		assertEquals(1000, job.get("maxDownloadSize").asLong());
		assertEquals("JOB_ERROR", job.get("notifyFlags").get(0).asText());
		var file = Map.of("files", List.of(Map.of("remote", nginx.uri("/files/rest.bin").toString(), "local", tmp.resolve("props.bin").toString())));
		assertEquals(200, call("PATCH", "/jobs/" + id, ownerA, file).statusCode());
		assertFalse(json(call("POST", "/jobs/" + id + "/resume", ownerA, null)).get("state").asText().equals("SUSPENDED"));
		// a small file from a local server may be transferred already: suspend leaves a TRANSFERRED job as it is
		String suspended = json(call("POST", "/jobs/" + id + "/suspend", ownerA, null)).get("state").asText();
		assertTrue(Set.of("SUSPENDED", "TRANSFERRED").contains(suspended), suspended);
		assertEquals("CANCELLED", json(call("POST", "/jobs/" + id + "/cancel", ownerA, null)).get("state").asText());
		assertEquals(404, call("GET", "/jobs/" + id, ownerA, null).statusCode());
		assertTrue(json(call("GET", "/handlers", ownerA, null)).isArray());
		JsonNode engine = json(call("GET", "/engine", admin, null));
		assertFalse(engine.get("version").asText().isEmpty());
		assertEquals(store.toString(), engine.get("storeDirectory").asText());
		assertEquals(0, engine.get("jobs").get("QUEUED").asInt());
		assertEquals(0, engine.get("stuckCallbacks").asInt());
		assertTrue(json(call("GET", "/engine", ownerA, null)).get("storeDirectory").isNull(), "the store's place is for the admin");
	}

	@Test
	void anotherOwnersJobDoesNotExistForTheCaller() throws Exception { // S2
		String id = json(call("POST", "/jobs", ownerA, Map.of("displayName", "a's secret name"))).get("id").asText();
		for (var r : List.of(call("GET", "/jobs/" + id, ownerB, null), call("GET", "/jobs/" + id + "/files", ownerB, null),
				call("PATCH", "/jobs/" + id, ownerB, Map.of("displayName", "taken")), call("POST", "/jobs/" + id + "/cancel", ownerB, null))) {
			assertEquals(404, r.statusCode(), r.body());
			assertEquals("0x80200001", JSON.readTree(r.body()).get("code").asText());
			assertFalse(r.body().contains("a's secret name"), r.body());
		}
		assertEquals("a's secret name", manager.getJob(UUID.fromString(id), JobScope.ALL_OWNERS).getDisplayName());
		assertEquals(0, json(call("GET", "/jobs", ownerB, null)).size());
		assertEquals(403, call("GET", "/jobs?all=true", ownerB, null).statusCode());
		assertEquals(0, json(call("GET", "/jobs", admin, null)).size(), "the admin's own jobs");
		assertEquals(id, json(call("GET", "/jobs?all=true", admin, null)).get(0).get("id").asText());
		assertEquals("rest.a", json(call("GET", "/jobs/" + id, admin, null)).get("owner").asText());
	}

	@Test
	void headerValuesAndPasswordsAreNeverReturned() throws Exception { // S2
		var created = call("POST", "/jobs", ownerA, Map.of("displayName", "secrets", "customHeaders", Map.of("X-Api-Key", SECRET)));
		assertFalse(created.body().contains(SECRET), created.body());
		String id = JSON.readTree(created.body()).get("id").asText();
		manager.getJob(UUID.fromString(id), JobScope.ALL_OWNERS).setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u", PASSWORD));
		for (String path : List.of("/jobs/" + id, "/jobs", "/jobs/" + id + "/files")) {
			var r = call("GET", path, ownerA, null);
			assertFalse(r.body().contains(SECRET) || r.body().contains(PASSWORD), r.body());
		}
		JsonNode job = json(call("GET", "/jobs/" + id, ownerA, null));
		assertEquals("X-Api-Key", job.get("customHeaderNames").get(0).asText());
		assertTrue(job.get("serverCredentials").asBoolean());
		var bad = call("PATCH", "/jobs/" + id, ownerA, Map.of("customHeaders", Map.of("X-Other", List.of(SECRET))));
		assertEquals(400, bad.statusCode());
		assertFalse(bad.body().contains(SECRET), bad.body());
	}

	@Test
	void badRequestsAre400AndChangeNothing() throws Exception { // S5
		String id = json(call("POST", "/jobs", ownerA, Map.of("displayName", "kept"))).get("id").asText();
		String remote = nginx.uri("/files/rest.bin").toString();
		List<String> before = snapshot();
		List<String> stored = storeRows();
		assertTrue(stored.stream().anyMatch(r -> r.startsWith("job|" + id + "|")), "the job is in the store's job table: " + stored);
		List<HttpResponse<String>> bad = new ArrayList<>();
		bad.add(call("POST", "/jobs", ownerA, "{\"displayName\": "));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "colour", "blue")));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "priority", "URGENT")));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "files", List.of(Map.of("remote", remote, "local", "relative/x.bin")))));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "files", List.of(Map.of("remote", remote, "local", tmp + "/out/../../x.bin")))));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "files", List.of(Map.of("remote", "http://bad host/x", "local", tmp + "/x.bin")))));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x", "files", List.of(Map.of("remote", "gopher://h/x", "local", tmp + "/x.bin")))));
		bad.add(call("POST", "/jobs", ownerA, Map.of("displayName", "x".repeat(300))));
		bad.add(call("PATCH", "/jobs/" + id, ownerA, Map.of("displayName", "changed", "files", List.of(Map.of("remote", remote, "local", "relative")))));
		bad.add(call("PATCH", "/jobs/" + id, ownerA, Map.of("description", "changed", "minimumRetryDelaySeconds", -1)));
		for (var r : bad) {
			assertEquals(400, r.statusCode(), r.body());
			JsonNode error = JSON.readTree(r.body());
			assertTrue(error.get("code").asText().startsWith("0x8"), r.body());
			assertFalse(error.get("description").asText().isEmpty());
		}
		assertEquals("0x80200021", JSON.readTree(bad.get(7).body()).get("code").asText(), "BG_E_STRING_TOO_LONG");
		var huge = call("POST", "/jobs", ownerA, Map.of("displayName", "big", "description", "x".repeat(2 << 20)));
		assertEquals(413, huge.statusCode(), "Payload Too Large: the one status that says which limit");
		assertEquals("0x80070057", JSON.readTree(huge.body()).get("code").asText(), "E_INVALIDARG: " + huge.body());
		assertTrue(JSON.readTree(huge.body()).get("description").asText().contains("max.body.bytes"), huge.body());
		assertEquals(404, call("GET", "/jobs/" + UUID.randomUUID(), ownerA, null).statusCode());
		assertEquals(404, call("GET", "/jobs/not-a-uuid", ownerA, null).statusCode());
		var empty = call("POST", "/jobs/" + id + "/resume", ownerA, null);
		assertEquals(409, empty.statusCode(), empty.body());
		assertEquals("0x80200003", JSON.readTree(empty.body()).get("code").asText(), "BG_E_EMPTY");
		var renamedButEmpty = call("PATCH", "/jobs/" + id, ownerA, Map.of("displayName", "changed", "resume", true));
		assertEquals(409, renamedButEmpty.statusCode(), "the resume is refused, so the new name is not kept either: " + renamedButEmpty.body());
		assertEquals(before, snapshot());
		assertEquals(stored, storeRows(), "the store itself, row by row");
	}

	/** Every row of every table of the store, read through a connection of its own (read-only for SQLite). */
	private static List<String> storeRows() throws Exception {
		if (TestDatabases.active()) {
			return TestDatabases.rows(store);
		}
		SQLiteDataSource source = new SQLiteDataSource();
		source.setUrl("jdbc:sqlite:file:" + store.resolve("bits.db") + "?mode=ro");
		try (var c = source.getConnection(); var s = c.createStatement()) {
			return TestDatabases.rows(s, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", "rowid");
		}
	}

	@Test
	void everyDocumentedOperationAnswersAsDocumented() throws Exception { // S1: the OpenAPI file and the API agree
		Bundle engine = Engine.bundle();
		JsonNode spec;
		try (var in = engine.getEntry("bits/engine/rest/openapi.json").openStream()) {
			spec = JSON.readTree(in);
		}
		String id = json(call("POST", "/jobs", ownerA, Map.of("displayName", "documented"))).get("id").asText();
		Map<String, Object> bodies = Map.of("post", Map.of("displayName", "documented too"), "patch", Map.of("description", "documented"));
		List<String> checked = new ArrayList<>();
		// the cancel last: it ends the job the others act on
		List<String> paths = new ArrayList<>();
		spec.get("paths").fieldNames().forEachRemaining(paths::add);
		paths.sort((a, b) -> Boolean.compare(a.endsWith("/cancel"), b.endsWith("/cancel")));
		for (String path : paths) {
			var operations = spec.get("paths").get(path).fields();
			while (operations.hasNext()) {
				var operation = operations.next();
				String method = operation.getKey();
				if (operation.getValue().at("/responses/200/content").has("text/event-stream")) {
					continue; // a stream does not end: EventStreamIT checks it
				}
				boolean hasBody = operation.getValue().has("requestBody");
				var r = call(method.toUpperCase(), path.replace("{id}", id), ownerA, hasBody ? bodies.get(method) : null);
				JsonNode documented = operation.getValue().get("responses").get(String.valueOf(r.statusCode()));
				assertTrue(documented != null, method + " " + path + " answered " + r.statusCode() + ", not documented: " + r.body());
				if (documented.has("content")) {
					conforms(spec, documented.get("content").get("application/json").get("schema"), JSON.readTree(r.body()), method + " " + path);
				}
				checked.add(method + " " + path + " " + r.statusCode());
			}
		}
		assertEquals(13, checked.size(), checked.toString());
	}

	/** The required fields of the schema (and of its items) are in the value. */
	private static void conforms(JsonNode spec, JsonNode schema, JsonNode value, String where) {
		if (schema.has("$ref")) {
			String name = schema.get("$ref").asText().replace("#/components/schemas/", "");
			conforms(spec, spec.get("components").get("schemas").get(name), value, where);
			return;
		}
		if (value.isArray() && schema.has("items")) {
			value.forEach(v -> conforms(spec, schema.get("items"), v, where));
			return;
		}
		if (schema.has("required") && !value.isNull()) {
			schema.get("required").forEach(f -> assertTrue(value.has(f.asText()), where + ": no " + f.asText() + " in " + value));
		}
		if (schema.has("properties") && value.isObject()) {
			schema.get("properties").fields().forEachRemaining(p -> {
				if (value.has(p.getKey()) && (p.getValue().has("$ref") || p.getValue().has("items"))) {
					conforms(spec, p.getValue(), value.get(p.getKey()), where + "." + p.getKey());
				}
			});
		}
	}

	/** Every job of every owner, with the properties a request could have changed. */
	private static List<String> snapshot() {
		return manager.listJobs(JobScope.ALL_OWNERS).stream().map(j -> String.join("|", j.getId().toString(), j.getOwner(), j.getDisplayName(),
				j.getDescription(), j.getState().name(), j.getPriority().name(), String.valueOf(j.getFiles().size()),
				String.valueOf(j.getMinimumRetryDelay()), String.valueOf(j.getCustomHeaders()))).toList();
	}

	private static String state(String id) {
		try {
			return json(call("GET", "/jobs/" + id, ownerA, null)).get("state").asText();
		} catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static JsonNode json(HttpResponse<String> response) throws Exception {
		assertTrue(response.statusCode() / 100 == 2, response.statusCode() + " " + response.body());
		return JSON.readTree(response.body());
	}

	/** @param body null, a JSON text, or something to write as JSON */
	static HttpResponse<String> call(String method, String path, String token, Object body) throws Exception {
		return call(method, path, token, body, api);
	}

	/** As {@link #call(String, String, String, Object)}, on the API at {@code api}. */
	static HttpResponse<String> call(String method, String path, String token, Object body, URI api) throws Exception {
		String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).timeout(Engine.TIMEOUT).header("Authorization", "Bearer " + token)
				.method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
		if (text != null) {
			b.header("Content-Type", "application/json");
		}
		return ApiEngine.client().send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
	}

}
