package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import bits.api.Upload;
import bits.api.UploadListener;
import bits.api.UploadReply;

/**
 * The engine's BITS upload endpoint (SPEC U3, U4) on the wire: the exchanges of [MC-BUP] section 4 replayed over a
 * socket, every row of the server's error table, restarts, and the upload listener.
 */
class UploadServerIT {
	static final String PROTOCOL = "{7df0354d-249b-430f-820d-3d2a9bef4931}";
	@TempDir
	static Path tmp;
	static Path plain;
	static Path farm;
	static URI api;
	static String token;
	static String other;
	static final List<Configuration> configurations = new java.util.ArrayList<>();
	static ServiceRegistration<UploadListener> listener;
	static final AtomicReference<Upload> heard = new AtomicReference<>();
	static final AtomicInteger failures = new AtomicInteger();
	static final byte[] reply = randomBytes(10240, 42);

	/** A response as read off the socket: the status line, the headers (names in lower case), the body. */
	record Response(String statusLine, Map<String, String> headers, byte[] body) {
		int status() {
			return Integer.parseInt(statusLine.split(" ")[1]);
		}

		String header(String name) {
			return headers.get(name.toLowerCase(Locale.ROOT));
		}
	}

	@BeforeAll
	static void start() throws Exception {
		ApiEngine engine = ApiEngine.start(tmp);
		api = engine.api();
		token = engine.token("uploader");
		other = engine.token("someone.else");
		plain = Files.createDirectories(tmp.resolve("plain"));
		farm = Files.createDirectories(tmp.resolve("farm"));
		endpoint("plain", Map.of("name", "plain", "path", "/upload", "directory", plain.toString(), "max.bytes", 1_000_000L, "sessions.per.owner", 4));
		endpoint("farm", Map.of("name", "farm", "path", "/upload-ref-isapi-WebFarm", "directory", farm.toString(), "host.id", "FRANKCAO8",
				"host.id.fallback.timeout.seconds", 110L));
		Hashtable<String, Object> props = new Hashtable<>(Map.of(UploadListener.ENDPOINT, "farm"));
		listener = context().registerService(UploadListener.class, upload -> {
			if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
				throw new IllegalStateException("the application is down");
			}
			heard.set(upload);
			assertEquals(upload.length(), Files.size(upload.file()), "the whole file is readable during the call");
			return UploadReply.of(reply);
		}, props);
		await("the upload endpoints answer", () -> ping("/upload/x").status() == 200 && ping("/upload-ref-isapi-WebFarm/x").status() == 200);
	}

	@AfterAll
	static void stop() throws Exception {
		listener.unregister();
		for (Configuration c : configurations) {
			c.delete();
		}
	}

	static BundleContext context() {
		return FrameworkUtil.getBundle(UploadServerIT.class).getBundleContext();
	}

	static void endpoint(String name, Map<String, Object> properties) throws Exception {
		ConfigurationAdmin admin = context().getService(context().getServiceReference(ConfigurationAdmin.class));
		Configuration c = admin.getFactoryConfiguration("bits.upload", name, "?");
		c.update(new Hashtable<>(properties));
		configurations.add(c);
	}

	static Response ping(String path) {
		return ping(api, token, path);
	}

	/** A Ping to the engine at {@code at}; a 599 if nothing answers. */
	static Response ping(URI at, String t, String path) {
		try {
			return send(at, "BITS_POST " + path + " HTTP/1.1\r\nHost: h\r\nBITS-Packet-Type: Ping\r\nContent-Length: 0\r\n" + auth(t) + "\r\n", new byte[0]);
		} catch (IOException e) {
			return new Response("HTTP/1.1 599 down", Map.of(), new byte[0]);
		}
	}

	static String auth(String t) {
		return "Authorization: Basic " + Base64.getEncoder().encodeToString(("user:" + t).getBytes(StandardCharsets.UTF_8)) + "\r\n";
	}

	static Response send(String head, byte[] body) throws IOException {
		return send(api, head, body);
	}

	/** Sends the request's head (with its CRLFs) and body, bytes as given, to the engine at {@code at}, and reads one response. */
	static Response send(URI at, String head, byte[] body) throws IOException {
		try (Socket s = new Socket(at.getHost(), at.getPort())) {
			s.setSoTimeout(60_000);
			OutputStream out = s.getOutputStream();
			out.write(head.getBytes(StandardCharsets.ISO_8859_1));
			out.write(body);
			out.flush();
			InputStream in = s.getInputStream();
			ByteArrayOutputStream line = new ByteArrayOutputStream();
			String status = null;
			Map<String, String> headers = new LinkedHashMap<>();
			for (int c; (c = in.read()) >= 0;) {
				if (c != '\n') {
					line.write(c);
					continue;
				}
				String l = line.toString(StandardCharsets.ISO_8859_1).replaceFirst("\r$", "");
				line.reset();
				if (status == null) {
					status = l;
				} else if (l.isEmpty()) {
					break;
				} else {
					headers.put(l.substring(0, l.indexOf(':')).trim().toLowerCase(Locale.ROOT), l.substring(l.indexOf(':') + 1).trim());
				}
			}
			// an answer to HEAD names the length a GET's body would have, and has none (RFC 9112 6.3): Jetty's error
			// page for a HEAD (a 404 in tusChecksCreationOffsetsAndChecksums) once did, and this read waited for a body
			int length = head.startsWith("HEAD ") ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
			return new Response(status, headers, in.readNBytes(length));
		}
	}

	/** A packet in the Windows client's form ([MC-BUP] 4.1), with our credentials. */
	static Response packet(String path, String type, String session, String extra, byte[] body, String t) throws IOException {
		return send("BITS_POST " + path + " HTTP/1.1\r\nAccept: */*\r\nBITS-Packet-Type: " + type + "\r\n"
				+ (session == null ? "" : "BITS-Session-Id: " + session + "\r\n") + extra + "User-Agent: Microsoft BITS/6.7\r\nHost: frankcao8\r\n"
				+ "Content-Length: " + body.length + "\r\nConnection: Keep-Alive\r\n" + auth(t) + "\r\n", body);
	}

	static String create(String path) throws IOException {
		Response r = packet(path, "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\n", new byte[0], token);
		assertEquals(200, r.status(), r.toString());
		return r.header("BITS-Session-Id");
	}

	static Response fragment(String path, String session, byte[] file, int first, int end, int total) throws IOException {
		return packet(path, "Fragment", session, "Content-Range: bytes " + first + "-" + (end - 1) + "/" + total + "\r\n",
				Arrays.copyOfRange(file, first, end), token);
	}

	static void assertAck(Response r, int status) {
		assertEquals(status, r.status(), r.toString());
		assertEquals("Ack", r.header("BITS-Packet-Type"), r.toString());
		assertEquals("0", r.header("Content-Length"), r.toString());
	}

	static void assertError(Response r, int status, String code, String context) {
		assertAck(r, status);
		assertEquals(code, r.header("BITS-Error-Code"), r.toString());
		assertEquals(context, r.header("BITS-Error-Context"), r.toString());
	}

	@Test
	void theSpecsUploadExchangeIsAnsweredAsInItsSection41() throws Exception { // U3, [MC-BUP] 4.1
		byte[] body = randomBytes(4892, 2119); // the example sends RFC 2119's text; these are as many bytes
		String path = "/upload/2000mb-rfc2119.txt";
		Response created = send("BITS_POST " + path + " HTTP/1.1\r\nAccept: */*\r\nBITS-Packet-Type: Create-Session\r\n"
				+ "BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\nContent-Name: rfc2119.txt\r\nUser-Agent: Microsoft BITS/6.7\r\n"
				+ "Host: frankcao8\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals("HTTP/1.1 200 OK", created.statusLine());
		assertAck(created, 200);
		assertEquals(PROTOCOL, created.header("BITS-Protocol"));
		assertEquals("identity", created.header("Accept-Encoding").toLowerCase(Locale.ROOT));
		String session = created.header("BITS-Session-Id");
		assertTrue(session.matches("\\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\\}"), session);
		assertNull(created.header("BITS-Host-Id"), "no host id configured: none sent");

		Response fragment = send("BITS_POST " + path + " HTTP/1.1\r\nAccept: */*\r\nBITS-Packet-Type: Fragment\r\nBITS-Session-Id: " + session + "\r\n"
				+ "Content-Name: rfc2119.txt\r\nContent-Range: bytes 0-4891/4892\r\nUser-Agent: Microsoft BITS/6.7\r\nHost: frankcao8\r\n"
				+ "Content-Length: 4892\r\nConnection: Keep-Alive\r\n" + auth(token) + "\r\n", body);
		assertEquals("HTTP/1.1 200 OK", fragment.statusLine());
		assertAck(fragment, 200);
		assertEquals("4892", fragment.header("BITS-Received-Content-Range"));
		assertNull(fragment.header("BITS-Reply-URL"), "a simple upload: no reply");

		Response ping = send("BITS_POST " + path + " HTTP/1.1\r\nAccept: */*\r\nBITS-Packet-Type: Ping\r\nUser-Agent: Microsoft BITS/6.7\r\n"
				+ "Host: frankcao8\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n" + auth(token) + "\r\n", new byte[0]);
		assertAck(ping, 200);
		assertFalse(Files.exists(plain.resolve("2000mb-rfc2119.txt")), "not in place before Close-Session");

		Response closed = send("BITS_POST " + path + " HTTP/1.1\r\nAccept: */*\r\nBITS-Packet-Type: Close-Session\r\nBITS-Session-Id: " + session + "\r\n"
				+ "Content-Name: rfc2119.txt\r\nUser-Agent: Microsoft BITS/6.7\r\nHost: frankcao8\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n"
				+ auth(token) + "\r\n", new byte[0]);
		assertEquals("HTTP/1.1 200 OK", closed.statusLine());
		assertAck(closed, 200);
		assertArrayEquals(body, Files.readAllBytes(plain.resolve("2000mb-rfc2119.txt")));
	}

	@Test
	void theSpecsUploadReplyExchangeIsAnsweredAsInItsSection42() throws Exception { // U3, U4, [MC-BUP] 4.2
		byte[] body = randomBytes(4892, 4242);
		String path = "/upload-ref-isapi-WebFarm/2100mb-rfc2119.txt";
		Response created = packet(path, "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\nContent-Name: rfc2119.txt\r\n", new byte[0], token);
		assertAck(created, 200);
		assertEquals("FRANKCAO8", created.header("BITS-Host-Id"));
		assertEquals("110", created.header("BITS-Host-Id-Fallback-Timeout"));
		String session = created.header("BITS-Session-Id");
		assertAck(packet(path, "Ping", null, "", new byte[0], token), 200);
		Response last = fragment(path, session, body, 0, 4892, 4892);
		assertAck(last, 200);
		assertEquals("4892", last.header("BITS-Received-Content-Range"));
		String replyUrl = last.header("BITS-Reply-URL");
		assertTrue(replyUrl != null && replyUrl.startsWith("http://"), "the final Ack names the reply: " + last);
		Upload upload = heard.get();
		assertEquals("farm", upload.endpoint());
		assertEquals("2100mb-rfc2119.txt", upload.name());
		assertEquals("uploader", upload.owner());
		assertEquals(4892, upload.length());
		assertEquals(farm.toRealPath().resolve("2100mb-rfc2119.txt"), upload.destination());

		URI reply = URI.create(replyUrl);
		Response ranged = send("GET " + reply.getRawPath() + " HTTP/1.1\r\nAccept: */*\r\nAccept-Encoding: identity\r\nRange: bytes=0-9976\r\n"
				+ "User-Agent: Microsoft BITS/6.7\r\nHost: frankcao8\r\nConnection: Keep-Alive\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals(206, ranged.status(), ranged.toString());
		assertEquals("9977", ranged.header("Content-Length"));
		assertEquals("bytes 0-9976/10240", ranged.header("Content-Range"));
		assertEquals("bytes", ranged.header("Accept-Ranges"));
		assertArrayEquals(Arrays.copyOf(reply(), 9977), ranged.body());
		Response rest = send("GET " + reply.getRawPath() + " HTTP/1.1\r\nRange: bytes=9977-\r\nIf-Range: " + ranged.header("ETag") + "\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals(206, rest.status());
		assertArrayEquals(Arrays.copyOfRange(reply(), 9977, 10240), rest.body());
		assertEquals(404, send("GET " + reply.getRawPath() + " HTTP/1.1\r\nHost: h\r\n" + auth(other) + "\r\n", new byte[0]).status(),
				"another owner's reply is not there");

		assertAck(packet(path, "Close-Session", session, "Content-Name: rfc2119.txt\r\n", new byte[0], token), 200);
		assertArrayEquals(body, Files.readAllBytes(farm.resolve("2100mb-rfc2119.txt")));
		assertEquals(404, send("GET " + reply.getRawPath() + " HTTP/1.1\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]).status(),
				"Close-Session deletes the reply");
	}

	static byte[] reply() {
		return reply;
	}

	@Test
	void aListenerThatFailsIsAskedAgainWhenTheClientResendsTheLastFragment() throws Exception { // U4, [MC-BUP] 3.2.5.1.3
		byte[] body = randomBytes(3000, 9);
		String path = "/upload-ref-isapi-WebFarm/retry.bin";
		String session = create(path);
		failures.set(1);
		assertError(fragment(path, session, body, 0, 3000, 3000), 500, "0x80004005", "0x7");
		Response again = fragment(path, session, body, 0, 3000, 3000);
		assertAck(again, 200);
		assertEquals("3000", again.header("BITS-Received-Content-Range"));
		assertTrue(again.header("BITS-Reply-URL") != null);
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 200);
		assertArrayEquals(body, Files.readAllBytes(farm.resolve("retry.bin")));
	}

	@Test
	void fragmentsOutOfOrderAreAnsweredWithTheOffsetAndOverlapsWriteOnlyTheNewPart() throws Exception { // U3
		byte[] file = randomBytes(30_000, 5);
		String path = "/upload/ordered.bin";
		String session = create(path);
		assertEquals("10000", fragment(path, session, file, 0, 10_000, 30_000).header("BITS-Received-Content-Range"));
		Response gap = fragment(path, session, file, 20_000, 30_000, 30_000);
		assertAck(gap, 416);
		assertEquals("10000", gap.header("BITS-Received-Content-Range"));
		assertNull(gap.header("BITS-Error-Code"), "a 416 carries the offset, not an error");
		Response overlap = fragment(path, session, file, 5_000, 20_000, 30_000);
		assertAck(overlap, 200);
		assertEquals("20000", overlap.header("BITS-Received-Content-Range"));
		Response old = fragment(path, session, file, 0, 5_000, 30_000);
		assertAck(old, 416);
		assertEquals("20000", old.header("BITS-Received-Content-Range"));
		assertError(packet(path, "Fragment", session, "Content-Range: bytes 20000-20009/40000\r\n", new byte[10], token), 400, "0x80070057", "0x5");
		assertAck(fragment(path, session, file, 20_000, 30_000, 30_000), 200);
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 200);
		assertArrayEquals(file, Files.readAllBytes(plain.resolve("ordered.bin")), "each byte once, in order");
	}

	@Test
	void everyRowOfTheErrorTable() throws Exception { // U3, [MC-BUP] 2.2.1.2 and 3.2.5.2
		String path = "/upload/errors.bin";
		// a packet breaking the rules: 400, E_INVALIDARG, context 0x5
		assertError(packet(path, "Teleport", null, "", new byte[0], token), 400, "0x80070057", "0x5");
		assertError(packet(path, "Create-Session", null, "BITS-Supported-Protocols: {00000000-0000-0000-0000-000000000000}\r\n", new byte[0], token),
				400, "0x80070057", "0x5");
		assertError(packet(path, "Create-Session", null, "", new byte[0], token), 400, "0x80070057", "0x5");
		assertError(packet(path, "Ping", null, "Content-Name: " + "x".repeat(4097) + "\r\n", new byte[0], token), 400, "0x80070057", "0x5");
		String session = create(path);
		assertError(packet(path, "Fragment", session, "Content-Range: bytes 0-9\r\n", new byte[10], token), 400, "0x80070057", "0x5");
		assertError(packet(path, "Fragment", session, "Content-Range: bytes 0-19/100\r\n", new byte[10], token), 400, "0x80070057", "0x5");
		assertError(packet(path, "Fragment", null, "Content-Range: bytes 0-9/100\r\n", new byte[10], token), 400, "0x80070057", "0x5");
		// no Content-Length: 411
		assertError(send("BITS_POST " + path + " HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]), 411, "0x80070057", "0x5");
		// an unknown session, or another owner's: 500, BG_E_SESSION_NOT_FOUND
		assertError(packet(path, "Close-Session", "{6B29FC40-CA47-1067-B31D-00DD010662DA}", "", new byte[0], token), 500, "0x8020001F", "0x5");
		assertError(packet(path, "Fragment", session, "Content-Range: bytes 0-9/100\r\n", new byte[10], other), 500, "0x8020001F", "0x5");
		assertError(packet("/upload/another-name.bin", "Close-Session", session, "", new byte[0], token), 500, "0x8020001F", "0x5");
		// no credentials: 401
		Response anonymous = send("BITS_POST " + path + " HTTP/1.1\r\nBITS-Packet-Type: Ping\r\nHost: h\r\nContent-Length: 0\r\n\r\n", new byte[0]);
		assertError(anonymous, 401, "0x80070005", "0x5");
		assertTrue(anonymous.header("WWW-Authenticate").startsWith("Basic"));
		// the destination exists and may not be overwritten: 403, E_ACCESSDENIED; a directory: 400
		Files.writeString(plain.resolve("exists.bin"), "keep");
		assertError(packet("/upload/exists.bin", "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\n", new byte[0], token), 403, "0x80070005", "0x5");
		Files.createDirectories(plain.resolve("adir"));
		assertError(packet("/upload/adir", "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\n", new byte[0], token), 400, "0x80070057", "0x5");
		// larger than the endpoint takes: 500, BG_E_TOO_LARGE
		String big = create("/upload/big.bin");
		assertError(fragment("/upload/big.bin", big, new byte[10], 0, 10, 2_000_000), 500, "0x80200020", "0x5");
		// Close-Session before every byte: 400; after the data was deleted on the server: 404
		assertError(packet(path, "Close-Session", session, "", new byte[0], token), 400, "0x80070057", "0x5");
		byte[] small = randomBytes(100, 1);
		assertAck(fragment(path, session, small, 0, 100, 100), 200);
		try (var dirs = Files.list(plain.resolve(".bits-sessions"))) {
			for (Path d : dirs.toList()) {
				if (d.getFileName().toString().equalsIgnoreCase(session.replaceAll("[{}]", ""))) {
					Files.delete(d.resolve("data"));
				}
			}
		}
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 404);
		// more open sessions than allowed per owner: 503
		List<String> open = new java.util.ArrayList<>();
		Response refused = null;
		for (int i = 0; i < 5 && refused == null; i++) {
			Response r = packet("/upload/many-" + i, "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\n", new byte[0], token);
			if (r.status() == 200) {
				open.add(i + " " + r.header("BITS-Session-Id"));
			} else {
				refused = r;
			}
		}
		assertTrue(refused != null, "the fifth session of one owner is refused");
		assertError(refused, 503, "0x800704D6", "0x5");
		for (String o : open) {
			String[] p = o.split(" ");
			assertAck(packet("/upload/many-" + p[0], "Cancel-Session", p[1], "", new byte[0], token), 200);
		}
		assertAck(packet("/upload/big.bin", "Cancel-Session", big, "", new byte[0], token), 200);
		assertFalse(Files.exists(plain.resolve("errors.bin")));
	}

	@Test
	void aServerApplicationOutsideOsgiGetsTheUploadInItsBodyOrByReference() throws Exception { // U4: BITSServerNotificationURL
		Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
		com.sun.net.httpserver.HttpServer app = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
		app.createContext("/app/", exchange -> {
			String path = exchange.getRequestURI().getPath();
			byte[] body = exchange.getRequestBody().readAllBytes();
			seen.put(path + " url", String.valueOf(exchange.getRequestHeaders().getFirst("BITS-Original-Request-URL")));
			seen.put(path + " body", Integer.toString(body.length));
			byte[] answer = new byte[0];
			int status = 200;
			switch (path) {
			case "/app/body" -> {
				exchange.getResponseHeaders().add("BITS-Copy-File-To-Destination", "true");
				answer = ("received " + body.length + " bytes").getBytes(StandardCharsets.UTF_8);
			}
			case "/app/reference" -> { // reads the file where it is, writes its reply where it is told: the file is not placed
				Path data = Path.of(exchange.getRequestHeaders().getFirst("BITS-Request-DataFile-Name"));
				seen.put(path + " file", Long.toString(Files.size(data)));
				Files.writeString(Path.of(exchange.getRequestHeaders().getFirst("BITS-Response-DataFile-Name")), "by reference");
			}
			case "/app/static" -> exchange.getResponseHeaders().add("BITS-Static-Response-URL", "http://127.0.0.1:9/static/reply.txt");
			default -> status = 403;
			}
			exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
			exchange.getResponseBody().write(answer);
			exchange.close();
		});
		app.start();
		try {
			String base = "http://127.0.0.1:" + app.getAddress().getPort() + "/app/";
			Map<String, Path> dirs = new LinkedHashMap<>();
			for (String kind : List.of("body", "reference", "static", "refusing")) {
				dirs.put(kind, Files.createDirectories(tmp.resolve("app-" + kind)));
				endpoint("app-" + kind, Map.of("name", "app-" + kind, "path", "/app-" + kind, "directory", dirs.get(kind).toString(),
						"notification.url", base + kind, "notification.type", kind.equals("reference") ? "reference" : "body"));
			}
			for (String kind : dirs.keySet()) {
				await("the endpoint /app-" + kind, () -> ping("/app-" + kind + "/x").status() == 200);
			}
			byte[] file = randomBytes(70_000, 70);
			// in the body, the application asks for the file at its destination too
			String session = create("/app-body/f.bin");
			Response last = fragment("/app-body/f.bin", session, file, 0, file.length, file.length);
			assertAck(last, 200);
			assertEquals("70000", seen.get("/app/body body"));
			assertTrue(seen.get("/app/body url").endsWith("/app-body/f.bin"), seen.toString());
			URI reply = URI.create(last.header("BITS-Reply-URL"));
			assertEquals("received 70000 bytes", new String(send("GET " + reply.getRawPath() + " HTTP/1.1\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]).body(),
					StandardCharsets.UTF_8));
			assertAck(packet("/app-body/f.bin", "Close-Session", session, "", new byte[0], token), 200);
			assertArrayEquals(file, Files.readAllBytes(dirs.get("body").resolve("f.bin")));
			// by reference: the path, and the reply the application wrote; without BITS-Copy-File-To-Destination the file is its own
			session = create("/app-reference/f.bin");
			last = fragment("/app-reference/f.bin", session, file, 0, file.length, file.length);
			assertAck(last, 200);
			assertEquals("0", seen.get("/app/reference body"));
			assertEquals("70000", seen.get("/app/reference file"));
			reply = URI.create(last.header("BITS-Reply-URL"));
			assertEquals("by reference", new String(send("GET " + reply.getRawPath() + " HTTP/1.1\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]).body(),
					StandardCharsets.UTF_8));
			assertAck(packet("/app-reference/f.bin", "Close-Session", session, "", new byte[0], token), 200);
			assertFalse(Files.exists(dirs.get("reference").resolve("f.bin")), "the application did not ask for the file at its destination");
			// a static reply URL is passed on as the reply URL
			session = create("/app-static/f.bin");
			last = fragment("/app-static/f.bin", session, file, 0, file.length, file.length);
			assertAck(last, 200);
			assertEquals("http://127.0.0.1:9/static/reply.txt", last.header("BITS-Reply-URL"));
			assertAck(packet("/app-static/f.bin", "Cancel-Session", session, "", new byte[0], token), 200);
			// the application's refusal is the client's error, in the server application's context
			session = create("/app-refusing/f.bin");
			assertError(fragment("/app-refusing/f.bin", session, file, 0, file.length, file.length), 403, "0x80190193", "0x7");
			assertAck(packet("/app-refusing/f.bin", "Cancel-Session", session, "", new byte[0], token), 200);
		} finally {
			app.stop(0);
		}
	}

	@Test
	void aDisabledEndpointAnswers501() throws Exception { // U3: the error table's "uploads are disabled"
		Path off = Files.createDirectories(tmp.resolve("off"));
		endpoint("off", Map.of("name", "off", "path", "/off", "directory", off.toString(), "enabled", false));
		try {
			await("the disabled endpoint", () -> ping("/off/x").status() == 501);
			assertError(packet("/off/x.bin", "Create-Session", null, "BITS-Supported-Protocols: " + PROTOCOL + "\r\n", new byte[0], token), 501, "0x80070005", "0x5");
		} finally {
			Configuration c = configurations.remove(configurations.size() - 1);
			c.delete();
		}
	}

	@Test
	void aCloseSessionRepeatedAfterItsAckWasLostIsAnsweredAgain() throws Exception { // U3: Close-Session is idempotent
		byte[] body = randomBytes(1000, 3);
		String path = "/upload/twice.bin";
		String session = create(path);
		assertAck(fragment(path, session, body, 0, 1000, 1000), 200);
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 200);
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 200);
		assertError(packet(path, "Close-Session", session, "", new byte[0], other), 500, "0x8020001F", "0x5");
		assertArrayEquals(body, Files.readAllBytes(plain.resolve("twice.bin")));
	}

	@Test
	void tusChecksCreationOffsetsAndChecksums() throws Exception { // U5, on the wire
		byte[] file = randomBytes(3000, 31);
		String name = Base64.getEncoder().encodeToString("tus-wire.bin".getBytes(StandardCharsets.UTF_8));
		Response options = send("OPTIONS /upload/ HTTP/1.1\r\nHost: h\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals(204, options.status());
		assertEquals("1.0.0", options.header("Tus-Version"));
		assertTrue(options.header("Tus-Extension").contains("creation") && options.header("Tus-Extension").contains("checksum"));
		Response created = send("POST /upload/ HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 3000\r\nUpload-Metadata: filename " + name
				+ "\r\nContent-Length: 0\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals(201, created.status(), created.toString());
		String at = URI.create(created.header("Location")).getRawPath();
		String sha1 = Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1").digest(Arrays.copyOf(file, 1000)));
		String wrong = Base64.getEncoder().encodeToString(new byte[20]);
		Response mismatch = send("PATCH " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
				+ "Upload-Offset: 0\r\nUpload-Checksum: sha1 " + wrong + "\r\nContent-Length: 1000\r\n" + auth(token) + "\r\n", Arrays.copyOf(file, 1000));
		assertEquals(460, mismatch.status(), "Checksum Mismatch");
		Response head = send("HEAD " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals("0", head.header("Upload-Offset"), "nothing of a mismatched PATCH kept");
		Response first = send("PATCH " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
				+ "Upload-Offset: 0\r\nUpload-Checksum: sha1 " + sha1 + "\r\nContent-Length: 1000\r\n" + auth(token) + "\r\n", Arrays.copyOf(file, 1000));
		assertEquals(204, first.status(), first.toString());
		assertEquals("1000", first.header("Upload-Offset"));
		Response conflict = send("PATCH " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
				+ "Upload-Offset: 500\r\nContent-Length: 10\r\n" + auth(token) + "\r\n", new byte[10]);
		assertEquals(409, conflict.status());
		assertEquals(412, send("HEAD " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 0.2.2\r\n" + auth(token) + "\r\n", new byte[0]).status());
		assertEquals(404, send("HEAD " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\n" + auth(other) + "\r\n", new byte[0]).status(),
				"another owner's upload is not there");
		Response last = send("PATCH " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
				+ "Upload-Offset: 1000\r\nContent-Length: 2000\r\n" + auth(token) + "\r\n", Arrays.copyOfRange(file, 1000, 3000));
		assertEquals(204, last.status());
		assertArrayEquals(file, Files.readAllBytes(plain.resolve("tus-wire.bin")), "in place at its last byte, named by its metadata");
		Response after = send("HEAD " + at + " HTTP/1.1\r\nHost: h\r\nTus-Resumable: 1.0.0\r\n" + auth(token) + "\r\n", new byte[0]);
		assertEquals(200, after.status(), "a client whose last answer was lost is told the upload is whole, not to start again");
		assertEquals("3000", after.header("Upload-Offset"));
	}

	@Test
	void aFullDiskIsReportedAsSuch() throws Exception { // U3: 500, ERROR_DISK_FULL
		assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root (CI runs as root)");
		Path small = Files.createDirectories(tmp.resolve("small"));
		Nginx.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()));
		try {
			endpoint("small", Map.of("name", "small", "path", "/small", "directory", small.toString()));
			await("the endpoint on the small disk", () -> ping("/small/x").status() == 200);
			String session = create("/small/full.bin");
			// the disk nearly full first: a fragment small enough to sit in the socket's buffers while the server refuses it
			Files.write(small.resolve("filler"), new byte[(1 << 20) - (64 << 10)]);
			assertError(fragment("/small/full.bin", session, new byte[256 << 10], 0, 256 << 10, 256 << 10), 500, "0x80070112", "0x5");
			assertAck(packet("/small/full.bin", "Cancel-Session", session, "", new byte[0], token), 200);
		} finally {
			Configuration c = configurations.remove(configurations.size() - 1);
			c.delete();
			await("the small endpoint gone", () -> ping("/small/x").status() == 404);
			Nginx.run(List.of("umount", "-l", small.toString()));
		}
	}

	@Test
	void aSessionSurvivesTheEnginesRestart() throws Exception { // U3: sessions survive restarts
		byte[] file = randomBytes(50_000, 77);
		String path = "/upload/restart.bin";
		String session = create(path);
		assertAck(fragment(path, session, file, 0, 20_000, 50_000), 200);
		Engine.restart();
		await("the endpoint back after the restart", () -> ping("/upload/x").status() == 200);
		Response gap = fragment(path, session, file, 30_000, 50_000, 50_000);
		assertAck(gap, 416);
		assertEquals("20000", gap.header("BITS-Received-Content-Range"), "the session's offset survived");
		assertAck(fragment(path, session, file, 20_000, 50_000, 50_000), 200);
		assertAck(packet(path, "Close-Session", session, "", new byte[0], token), 200);
		assertArrayEquals(file, Files.readAllBytes(plain.resolve("restart.bin")));
	}
}
