package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.CompleteResult;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.FileProgress;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.api.UploadListener;
import bits.api.UploadProtocol;
import bits.api.UploadReply;

/**
 * Upload jobs (SPEC U1): the engine's BITS upload client against its own upload endpoint, on loopback. The file is
 * at the server only after complete(), byte-identical; an upload resumes at the server's offset after resets, a
 * restart of the engine and a lost session.
 */
class UploadClientIT {
	@TempDir
	static Path tmp;
	static Path sources;
	static Path received;
	static TransferManager manager;
	static URI api;
	static String token;
	static String admin;
	static Configuration endpoint;

	@BeforeAll
	static void start() throws Exception {
		sources = Files.createDirectories(tmp.resolve("sources"));
		received = Files.createDirectories(tmp.resolve("received"));
		ApiEngine engine = ApiEngine.start(tmp, Map.of("file.roots", sources.toString(), "background.bandwidth", 8L << 20));
		manager = engine.manager();
		api = engine.api();
		token = engine.token("uploads");
		admin = engine.admin();
		endpoint = startEndpoint("client-it", "/in", Map.of());
	}

	/** @return an upload endpoint at {@code path} into {@code received}, with {@code more} settings, once it answers */
	static Configuration startEndpoint(String name, String path, Map<String, Object> more) throws Exception {
		ConfigurationAdmin admin = FrameworkUtil.getBundle(UploadClientIT.class).getBundleContext()
				.getService(FrameworkUtil.getBundle(UploadClientIT.class).getBundleContext().getServiceReference(ConfigurationAdmin.class));
		Configuration c = admin.getFactoryConfiguration("bits.upload", name, "?");
		Hashtable<String, Object> settings = new Hashtable<>(more);
		settings.putAll(Map.of("name", name, "path", path, "directory", received.toString()));
		c.update(settings);
		await("the upload endpoint " + path, () -> UploadServerIT.ping(api, token, path + "/x").status() == 200);
		return c;
	}

	@AfterAll
	static void stop() throws Exception {
		endpoint.delete();
		Engine.configured();
	}

	@AfterEach
	void cancelLeftovers() {
		manager.listJobs(JobScope.ALL_OWNERS).forEach(TransferJob::cancel);
	}

	static URI url(String name) {
		return URI.create("http://" + api.getHost() + ":" + api.getPort() + "/in/" + name);
	}

	static TransferJob upload(String name, Path source, URI to, JobPriority priority) {
		return manager.createJob("upload " + name, JobType.UPLOAD, job -> {
			job.addFile(to, source);
			job.setPriority(priority);
			job.setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "anyone", token));
			job.setPlainHttpAuthenticationAllowed(true); // loopback in a test; over a network, https
			job.setMinimumRetryDelay(Duration.ZERO);
			job.resume();
		});
	}

	/** @return an upload-reply job of {@code source} to {@code to}, resumed; its reply to {@code replyFile}, or null for the default */
	static TransferJob uploadReply(String name, Path source, URI to, Path replyFile) {
		return manager.createJob(name, JobType.UPLOAD_REPLY, j -> {
			j.addFile(to, source);
			if (replyFile != null) {
				j.setReplyFileName(replyFile);
			}
			j.setPriority(JobPriority.FOREGROUND);
			j.setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "anyone", token));
			j.setPlainHttpAuthenticationAllowed(true);
			j.resume();
		});
	}

	/** @return the server's open sessions (not the notes of closed ones) */
	static List<Path> sessions() throws Exception {
		try (Stream<Path> s = Files.list(received.resolve(".bits-sessions"))) {
			return s.filter(Files::isDirectory).toList();
		}
	}

	@Test
	void anUploadIsAtTheServerOnlyAfterCompleteByteIdentical() throws Exception { // U1
		Path source = sources.resolve("report.bin");
		Files.write(source, randomBytes(20 << 20, 1));
		TransferJob job = upload("report", source, url("report.bin"), JobPriority.FOREGROUND);
		awaitState(job, JobState.TRANSFERRED);
		assertEquals(20 << 20, job.getProgress().bytesTransferred());
		assertFalse(Files.exists(received.resolve("report.bin")), "not at the server before complete()");
		assertEquals(CompleteResult.COMPLETE, job.complete());
		assertEquals(JobState.ACKNOWLEDGED, job.getState());
		assertEquals(sha256(source), sha256(received.resolve("report.bin")));
		assertEquals(List.of(), sessions(), "Close-Session ended the server's session");
	}

	@Test
	void anUploadCutOffEveryFewMegabytesResumesAtTheServersOffset() throws Exception { // U1, J8
		Path source = sources.resolve("cut.bin");
		Files.write(source, randomBytes(20 << 20, 2));
		try (FaultProxy proxy = new FaultProxy(0, api.getPort())) {
			proxy.always(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET_REQUEST, 3 << 20));
			TransferJob job = upload("cut", source, URI.create("http://127.0.0.1:" + proxy.port() + "/in/cut.bin"), JobPriority.FOREGROUND);
			awaitState(job, JobState.TRANSFERRED);
			assertTrue(proxy.connections > 5, "cut off again and again: " + proxy.connections + " connections");
			job.complete();
		}
		assertEquals(sha256(source), sha256(received.resolve("cut.bin")), "every byte once, in order");
	}

	@Test
	void anUploadGoesOnInItsSessionAfterTheEnginesRestart() throws Exception { // U1: the session is kept with the job
		Path source = sources.resolve("restart.bin");
		Files.write(source, randomBytes(40 << 20, 3));
		TransferJob job = upload("restart", source, url("restart.bin"), JobPriority.NORMAL); // 8 MiB/s: five fragments, a second each
		await("a first fragment acknowledged", () -> job.getProgress().bytesTransferred() > 0);
		List<Path> before = sessions();
		assertEquals(1, before.size());
		// suspended first: the endpoint, in the same engine, comes back after the scheduler, and a 404 would end the job
		job.suspend();
		manager = Engine.restart();
		await("the endpoint back", () -> UploadServerIT.ping(api, token, "/in/x").status() == 200);
		TransferJob again = manager.getJob(job.getId());
		again.resume();
		awaitState(again, JobState.TRANSFERRED);
		assertEquals(before, sessions(), "the same session, not a new one from byte 0");
		again.complete();
		assertEquals(sha256(source), sha256(received.resolve("restart.bin")));
	}

	@Test
	void aSessionTheServerLostIsCreatedAnew() throws Exception { // U1: 0x8020001F -> Create-Session
		Path source = sources.resolve("lost.bin");
		Files.write(source, randomBytes(24 << 20, 4));
		List<Path> before = sessions();
		TransferJob job = upload("lost", source, url("lost.bin"), JobPriority.NORMAL);
		await("a first fragment acknowledged", () -> job.getProgress().bytesTransferred() > 0);
		job.suspend();
		List<Path> now = new java.util.ArrayList<>(sessions());
		now.removeAll(before);
		String session = "{" + now.get(0).getFileName() + "}";
		assertEquals(200, UploadServerIT.send(api, "BITS_POST /in/lost.bin HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Cancel-Session\r\nBITS-Session-Id: " + session
				+ "\r\nContent-Length: 0\r\n" + UploadServerIT.auth(token) + "\r\n", new byte[0]).status(), "the server drops the session");
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(source), sha256(received.resolve("lost.bin")));
	}

	@Test
	void aLocalFileChangedDuringItsUploadIsAnError() throws Exception { // U1, BITS BG_E_LOCAL_FILE_CHANGED
		Path source = sources.resolve("changing.bin");
		Files.write(source, randomBytes(24 << 20, 5));
		TransferJob job = upload("changing", source, url("changing.bin"), JobPriority.NORMAL);
		await("a first fragment acknowledged", () -> job.getProgress().bytesTransferred() > 0);
		job.suspend();
		Files.write(source, new byte[] { 1 }, StandardOpenOption.APPEND);
		job.resume();
		awaitState(job, JobState.ERROR);
		assertEquals(ErrorCodes.BG_E_LOCAL_FILE_CHANGED, job.getError().orElseThrow().code());
		assertEquals(ErrorContext.LOCAL_FILE, job.getError().orElseThrow().context());
	}

	@Test
	void cancelDropsTheServersSession() throws Exception { // U1: Cancel-Session
		Path source = sources.resolve("cancelled.bin");
		Files.write(source, randomBytes(24 << 20, 6));
		List<Path> before = sessions();
		TransferJob job = upload("cancelled", source, url("cancelled.bin"), JobPriority.NORMAL);
		await("a first fragment acknowledged", () -> job.getProgress().bytesTransferred() > 0);
		job.cancel();
		await("the server's session gone", () -> {
			try {
				return sessions().equals(before);
			} catch (Exception e) {
				return false;
			}
		});
		assertFalse(Files.exists(received.resolve("cancelled.bin")));
	}

	@Test
	void anUploadJobMadeOverTheRestApi() throws Exception { // U1 through the service (S1): type UPLOAD, a bearer token as a custom header
		Path source = sources.resolve("rest.bin");
		Files.write(source, randomBytes(3 << 20, 8));
		ObjectMapper json = new ObjectMapper();
		String body = json.writeValueAsString(Map.of("type", "UPLOAD", "displayName", "over rest", "priority", "FOREGROUND",
				"files", List.of(Map.of("remote", url("rest.bin").toString(), "local", source.toString())),
				"customHeaders", Map.of("Authorization", "Bearer " + token), "resume", true));
		HttpResponse<String> created = ApiEngine.client().send(HttpRequest.newBuilder(api.resolve(api.getPath() + "/jobs"))
				.header("Authorization", "Bearer " + token).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertEquals(201, created.statusCode(), created.body());
		assertEquals("UPLOAD", json.readTree(created.body()).get("type").asText());
		TransferJob job = manager.getJob(java.util.UUID.fromString(json.readTree(created.body()).get("id").asText()), JobScope.ALL_OWNERS);
		awaitState(job, JobState.TRANSFERRED);
		HttpResponse<String> completed = ApiEngine.client().send(HttpRequest.newBuilder(api.resolve(api.getPath() + "/jobs/" + job.getId() + "/complete"))
				.header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
		assertEquals(200, completed.statusCode(), completed.body());
		assertEquals(sha256(source), sha256(received.resolve("rest.bin")));
	}

	@Test
	void withoutCredentialsTheServersRefusalIsTheJobsError() throws Exception { // U1: 401 -> credentials
		Path source = sources.resolve("anonymous.bin");
		Files.write(source, randomBytes(1000, 7));
		TransferJob job = manager.createJob("anonymous", JobType.UPLOAD, j -> {
			j.addFile(url("anonymous.bin"), source);
			j.setPriority(JobPriority.FOREGROUND);
			j.resume();
		});
		awaitState(job, JobState.ERROR);
		assertEquals(ErrorCodes.E_ACCESSDENIED, job.getError().orElseThrow().code(), job.getError().toString());
		assertEquals(ErrorContext.REMOTE_FILE, job.getError().orElseThrow().context());
	}

	@Test
	void anUploadReplyJobIsTransferredWithItsReplyWhichCompleteMovesToItsFile() throws Exception { // U2, U4
		byte[] reply = randomBytes(1 << 20, 9);
		var registration = FrameworkUtil.getBundle(UploadClientIT.class).getBundleContext().registerService(UploadListener.class,
				upload -> UploadReply.of(reply), new Hashtable<>(Map.of(UploadListener.ENDPOINT, "client-it")));
		try {
			Path source = sources.resolve("question.bin");
			Files.write(source, randomBytes(5 << 20, 10));
			Path replyFile = tmp.resolve("answer.bin");
			TransferJob job = uploadReply("upload-reply", source, url("question.bin"), replyFile);
			assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, job::getReplyData).getCode(), "no reply yet");
			awaitState(job, JobState.TRANSFERRED);
			assertEquals(new FileProgress(reply.length, reply.length, true), job.getReplyProgress());
			assertArrayEquals(reply, job.getReplyData(), "the whole reply, as BITS's GetReplyData (up to 1 MiB)");
			assertEquals(replyFile, job.getReplyFileName().orElseThrow());
			// the same through the shell, as bitsadmin's /getreplyprogress, /getreplydata and /getreplyfilename
			String id = job.getId().toString();
			assertEquals(reply.length + " of " + reply.length + " whole", ApiEngine.execute("bits:getreplyprogress " + id));
			assertEquals(HexFormat.of().formatHex(reply), ApiEngine.execute("bits:getreplydata " + id));
			assertEquals(replyFile.toString(), ApiEngine.execute("bits:getreplyfilename " + id));
			// and through the REST API: the job shows its reply, GET .../reply gives it
			HttpResponse<byte[]> data = rest("GET", "/jobs/" + id + "/reply", null);
			assertEquals(200, data.statusCode());
			assertEquals("application/octet-stream", data.headers().firstValue("Content-Type").orElse(""));
			assertArrayEquals(reply, data.body());
			var shown = new ObjectMapper().readTree(rest("GET", "/jobs/" + id, null).body()).get("reply");
			assertEquals(replyFile.toString(), shown.get("file").asText(), shown.toString());
			assertEquals(reply.length, shown.get("bytesTotal").asLong(), shown.toString());
			assertTrue(shown.get("completed").asBoolean(), shown.toString());
			assertFalse(Files.exists(replyFile), "the reply file is made by complete()");
			job.complete();
			assertArrayEquals(reply, Files.readAllBytes(replyFile));
			assertEquals(sha256(source), sha256(received.resolve("question.bin")));
			assertArrayEquals(reply, job.getReplyData(), "read from its file after complete()");
		} finally {
			registration.unregister();
		}
	}

	@Test
	void anUploadReplyToAServerWithoutAReplyIsAnError() throws Exception { // U2: no BITS-Reply-URL in the last Ack
		Path source = sources.resolve("unanswered.bin");
		Files.write(source, randomBytes(1000, 11));
		TransferJob job = uploadReply("unanswered", source, url("unanswered.bin"), null);
		awaitState(job, JobState.ERROR);
		assertEquals(ErrorCodes.BG_E_INVALID_SERVER_RESPONSE, job.getError().orElseThrow().code(), job.getError().toString());
		assertEquals(Path.of(System.getProperty("java.io.tmpdir")).getRoot(), job.getReplyFileName().orElseThrow().getRoot(), "the engine's own reply file");
		String id = job.getId().toString();
		assertEquals("0 of -1", ApiEngine.execute("bits:getreplyprogress " + id), "no reply, nor its length");
		Path named = tmp.resolve("named.reply");
		ApiEngine.execute("bits:setreplyfilename " + id + " '" + named + "'"); // bitsadmin /setreplyfilename: in ERROR, before TRANSFERRED
		assertEquals(named, job.getReplyFileName().orElseThrow());
		assertEquals(named.toString(), ApiEngine.execute("bits:getreplyfilename " + id));
		assertEquals(ErrorCodes.BG_E_INVALID_STATE,
				assertThrows(TransferException.class, () -> ApiEngine.execute("bits:getreplydata " + id)).getCode(), "no reply to print");
		Path patched = tmp.resolve("patched.reply");
		HttpResponse<byte[]> set = rest("PATCH", "/jobs/" + id, "{\"replyFile\": \"" + patched + "\"}");
		assertEquals(200, set.statusCode(), new String(set.body()));
		assertEquals(patched, job.getReplyFileName().orElseThrow());
		assertEquals(409, rest("GET", "/jobs/" + id + "/reply", null).statusCode(), "no reply to give");
	}

	/** A request to the REST API with the admin token; @return the answer */
	private static HttpResponse<byte[]> rest(String method, String path, String json) throws Exception {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + admin);
		b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
		if (json != null) {
			b.header("Content-Type", "application/json");
		}
		return ApiEngine.client().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	@Test
	void tusToTheEnginesOwnEndpointCutOffEveryFewMegabytesIsWholeAtItsLastByte() throws Exception { // U5, both sides
		Path source = sources.resolve("tus.bin");
		Files.write(source, randomBytes(20 << 20, 12));
		try (FaultProxy proxy = new FaultProxy(0, api.getPort())) {
			proxy.always(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET_REQUEST, 3 << 20));
			TransferJob job = manager.createJob("tus", JobType.UPLOAD, j -> {
				j.addFile(URI.create("http://127.0.0.1:" + proxy.port() + "/in/"), source); // tus: the creation URL
				j.setUploadProtocol(UploadProtocol.TUS);
				j.setPriority(JobPriority.FOREGROUND);
				j.setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "anyone", token));
				j.setPlainHttpAuthenticationAllowed(true);
				j.setMinimumRetryDelay(Duration.ZERO);
				j.resume();
			});
			awaitState(job, JobState.TRANSFERRED);
			assertTrue(proxy.connections > 5, "cut off again and again: " + proxy.connections + " connections");
			assertEquals(sha256(source), sha256(received.resolve("tus.bin")), "whole at the server at its last byte, named by its metadata");
			assertEquals(CompleteResult.COMPLETE, job.complete(), "nothing to close in tus");
		}
		assertEquals(List.of(), sessions());
	}

	@Test
	void discoveryAsksTheServerWhichProtocolItSpeaks() throws Exception { // U5: OPTIONS
		Path source = sources.resolve("discovered.bin");
		Files.write(source, randomBytes(100_000, 13));
		TransferJob job = manager.createJob("discovered", JobType.UPLOAD, j -> {
			j.addFile(url(""), source);
			j.setUploadProtocol(UploadProtocol.DISCOVER);
			j.setPriority(JobPriority.FOREGROUND);
			j.setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "anyone", token));
			j.setPlainHttpAuthenticationAllowed(true);
			j.resume();
		});
		awaitState(job, JobState.TRANSFERRED);
		assertEquals(sha256(source), sha256(received.resolve("discovered.bin")), "tus: the file is whole before complete()");
		job.complete();
		TransferJob reply = manager.createJob("reply by tus", JobType.UPLOAD_REPLY);
		assertEquals(ErrorCodes.E_INVALIDARG, assertThrows(TransferException.class, () -> reply.setUploadProtocol(UploadProtocol.TUS)).getCode());
	}

	@Test
	void theClientsPacketsAreTheSpecsOwn() throws Exception { // U1, [MC-BUP] 4.1: what our client sends, read off the wire
		Path source = sources.resolve("rfc2119.txt");
		Files.write(source, randomBytes(4892, 2119));
		try (FaultProxy recorder = new FaultProxy(0, api.getPort())) {
			TransferJob job = upload("rfc2119", source, URI.create("http://127.0.0.1:" + recorder.port() + "/in/2000mb-rfc2119.txt"), JobPriority.FOREGROUND);
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			List<String> heads = recorder.requestHeads();
			assertEquals(3, heads.size(), "Create-Session, one Fragment, Close-Session: " + heads);
			assertPacket(heads.get(0), "Create-Session", "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}", "Content-Name: rfc2119.txt",
					"Content-Length: 0");
			String session = header(heads.get(1), "BITS-Session-Id");
			assertTrue(session.matches("\\{[0-9A-F-]{36}\\}"), session);
			assertPacket(heads.get(1), "Fragment", "Content-Range: bytes 0-4891/4892", "Content-Length: 4892");
			assertPacket(heads.get(2), "Close-Session", "BITS-Session-Id: " + session, "Content-Length: 0");
		}
		assertEquals(sha256(source), sha256(received.resolve("2000mb-rfc2119.txt")));
	}

	@Test
	void theClientsUploadReplyPacketsAreTheSpecsOwn() throws Exception { // U2, [MC-BUP] 4.2: what our client sends, off the wire
		byte[] reply = randomBytes(10240, 4243);
		var registration = FrameworkUtil.getBundle(UploadClientIT.class).getBundleContext().registerService(UploadListener.class,
				upload -> UploadReply.of(reply), new Hashtable<>(Map.of(UploadListener.ENDPOINT, "client-it")));
		Path source = sources.resolve("rfc2119-reply.txt");
		Files.write(source, randomBytes(4892, 2120));
		try (FaultProxy recorder = new FaultProxy(0, api.getPort())) {
			TransferJob job = uploadReply("4.2", source, URI.create("http://127.0.0.1:" + recorder.port() + "/in/2100mb-rfc2119.txt"), null);
			awaitState(job, JobState.TRANSFERRED);
			assertArrayEquals(reply, job.getReplyData());
			job.complete();
			List<String> heads = recorder.requestHeads();
			assertEquals(4, heads.size(), "Create-Session, one Fragment, the reply's GET, Close-Session: " + heads);
			assertPacketTo("/in/2100mb-rfc2119.txt", heads.get(0), "Create-Session", "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}", "Content-Length: 0");
			String session = header(heads.get(1), "BITS-Session-Id");
			assertPacketTo("/in/2100mb-rfc2119.txt", heads.get(1), "Fragment", "Content-Range: bytes 0-4891/4892", "Content-Length: 4892");
			assertTrue(heads.get(2).startsWith("GET /in/.bits-sessions/%7B" + session.substring(1, session.length() - 1) + "%7D/reply HTTP/1.1\r\n"),
					"the reply, from the URL the last Ack named: " + heads.get(2));
			assertPacketTo("/in/2100mb-rfc2119.txt", heads.get(3), "Close-Session", "BITS-Session-Id: " + session, "Content-Length: 0");
		} finally {
			registration.unregister();
		}
		assertEquals(sha256(source), sha256(received.resolve("2100mb-rfc2119.txt")));
	}

	static void assertPacket(String head, String type, String... lines) {
		assertPacketTo("/in/2000mb-rfc2119.txt", head, type, lines);
	}

	static void assertPacketTo(String path, String head, String type, String... lines) {
		assertTrue(head.startsWith("BITS_POST " + path + " HTTP/1.1\r\n"), head);
		List<String> have = List.of(head.split("\r\n")).stream().map(l -> l.toLowerCase(java.util.Locale.ROOT)).toList();
		assertTrue(have.contains(("BITS-Packet-Type: " + type).toLowerCase(java.util.Locale.ROOT)), head);
		for (String l : lines) {
			assertTrue(have.contains(l.toLowerCase(java.util.Locale.ROOT)), l + " in " + head);
		}
	}

	static String header(String head, String name) {
		return List.of(head.split("\r\n")).stream().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith(name.toLowerCase(java.util.Locale.ROOT) + ":"))
				.map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
	}

	@Test
	void aServerThatRefusesLargeBodiesGetsSmallerFragments() throws Exception { // U1: 413 -> smaller fragments
		Path source = sources.resolve("small-fragments.bin");
		Files.write(source, randomBytes(3 << 20, 14));
		try (Nginx nginx = Nginx.start(tmp.resolve("nginx-413"), api.getPort())) {
			TransferJob job = upload("413", source, nginx.uri("/upstream-1m/in/small-fragments.bin"), JobPriority.FOREGROUND);
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			long refused = Files.readAllLines(tmp.resolve("nginx-413/nginx/access.log")).stream().filter(l -> l.contains(" 413 ")).count();
			assertEquals(3, refused, "8, 4 and 2 MiB refused by nginx's 1 MiB limit, then 1 MiB fragments");
		}
		assertEquals(sha256(source), sha256(received.resolve("small-fragments.bin")));
	}

	@Test
	void aHostIdThatDoesNotAnswerIsLeftForTheOrigin() throws Exception { // U1: BITS-Host-Id, Ping, fallback
		// another loopback address, where nothing listens: the Ping there is refused at once
		Configuration farm = startEndpoint("client-farm", "/farm", Map.of("host.id", "127.0.0.2", "host.id.fallback.timeout.seconds", 1L));
		try {
			Path source = sources.resolve("farm.bin");
			Files.write(source, randomBytes(200_000, 15));
			TransferJob job = upload("farm", source, url("").resolve("/farm/farm.bin"), JobPriority.FOREGROUND);
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			assertEquals(sha256(source), sha256(received.resolve("farm.bin")));
		} finally {
			farm.delete();
		}
	}

	@Test
	void aHostIdThatStopsAnsweringIsLeftAfterItsFallbackTimeoutAcrossRetries() throws Exception { // U1: BITS-Host-Id-Fallback-Timeout
		// the host id is another loopback address, on the service's port: a proxy to it that answers, then is gone
		Configuration farm = null;
		try (FaultProxy host = new FaultProxy(InetAddress.getByName("127.0.0.2"), api.getPort(), api.getPort())) {
			farm = startEndpoint("client-farm2", "/farm2", Map.of("host.id", "127.0.0.2", "host.id.fallback.timeout.seconds", 2L));
			Path source = sources.resolve("farm2.bin");
			Files.write(source, randomBytes(40 << 20, 16));
			TransferJob job = upload("farm2", source, url("").resolve("/farm2/farm2.bin"), JobPriority.NORMAL); // 8 MiB/s
			await("a fragment at the host id", () -> job.getProgress().bytesTransferred() > 0);
			assertTrue(host.connections > 0, "the upload went to the host id");
			host.close();
			// each failure is retried at once (no minimum retry delay) in a new run: the timeout must outlive them
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			assertEquals(sha256(source), sha256(received.resolve("farm2.bin")));
		} finally {
			if (farm != null) {
				farm.delete();
			}
		}
	}

	@Test
	void theServersBitsErrorAndItsContextAreTheJobsError() throws Exception { // U1: BITS-Error, the spec's spelling of BITS-Error-Code
		Path source = sources.resolve("refused.bin");
		Files.write(source, randomBytes(1000, 17));
		try (Nginx nginx = Nginx.start(tmp.resolve("nginx-bits-error"), api.getPort())) {
			TransferJob job = upload("refused", source, nginx.uri("/bits-error/refused.bin"), JobPriority.FOREGROUND);
			awaitState(job, JobState.ERROR);
			JobError error = job.getError().orElseThrow();
			assertEquals(ErrorCodes.E_ACCESSDENIED, error.code(), error.toString());
			assertEquals(ErrorContext.REMOTE_APPLICATION, error.context(), "context 0x7: the server application's");
		}
	}

	@Test
	void anEmptyFileIsRefusedForNoFragmentCanCarryIt() throws Exception { // U1
		Path source = Files.createFile(sources.resolve("empty.bin"));
		TransferJob job = upload("empty", source, url("empty.bin"), JobPriority.FOREGROUND);
		awaitState(job, JobState.ERROR);
		assertEquals(ErrorCodes.E_INVALIDARG, job.getError().orElseThrow().code());
		assertEquals(ErrorContext.LOCAL_FILE, job.getError().orElseThrow().context());
	}

	@Test
	void anUploadJobHasOneFileFromUnderTheFileRootsToAnHttpUrl() throws Exception { // U1
		Path source = sources.resolve("one.bin");
		Files.write(source, new byte[10]);
		TransferJob job = manager.createJob("one file", JobType.UPLOAD);
		job.addFile(url("one.bin"), source);
		assertEquals(ErrorCodes.BG_E_TOO_MANY_FILES, assertThrows(TransferException.class, () -> job.addFile(url("two.bin"), source)).getCode());
		TransferJob other = manager.createJob("outside", JobType.UPLOAD);
		Path outside = Files.write(tmp.resolve("secret.txt"), new byte[10]);
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class, () -> other.addFile(url("secret.txt"), outside)).getCode());
		assertEquals(ErrorCodes.E_INVALIDARG, assertThrows(TransferException.class, () -> other.addFile(source.toUri(), source)).getCode());
		assertEquals(0, other.getFiles().size(), "nothing added by refused calls");
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, job::complete).getCode(), "complete before TRANSFERRED");
		assertEquals(ErrorCodes.E_INVALIDARG, assertThrows(TransferException.class, () -> job.setReplyFileName(tmp.resolve("r"))).getCode(),
				"an upload job has no reply");
		assertEquals(java.util.Optional.empty(), job.getReplyFileName());
	}
}
