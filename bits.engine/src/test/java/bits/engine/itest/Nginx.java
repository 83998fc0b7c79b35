package bits.engine.itest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx on 127.0.0.1, started by a test with a configuration of its own: it serves files with real range,
 * ETag and Last-Modified support, plus locations that answer with the statuses and redirects the fault matrix needs.
 * TLS on a second port with a certificate the engine trusts, on a third with one nobody trusts ({@link Tls}).
 */
public final class Nginx implements AutoCloseable {
	public final Path root;
	public final Path prefix;
	public final int port;
	final int tlsPort;
	final int untrustedPort;
	/** A forward HTTP proxy (nginx's proxy_pass) to the plain server; its requests are logged in proxy.log. */
	final int proxyPort;
	private final Process process;

	private Nginx(Path prefix, Path root, int port, int tlsPort, int untrustedPort, int proxyPort, Process process) {
		this.proxyPort = proxyPort;
		this.prefix = prefix;
		this.root = root;
		this.port = port;
		this.tlsPort = tlsPort;
		this.untrustedPort = untrustedPort;
		this.process = process;
	}

	public static Nginx start(Path base) throws Exception {
		return start(base, 0);
	}

	/**
	 * As {@link #start(Path)}, and with {@code upstream} > 0 a reverse proxy to that loopback port at
	 * {@code /upstream-1m/} that takes request bodies of at most 1 MiB (413 beyond).
	 */
	public static Nginx start(Path base, int upstream) throws Exception {
		Path prefix = Files.createDirectories(base.resolve("nginx"));
		Path root = Files.createDirectories(base.resolve("www"));
		Files.createDirectories(root.resolve("files"));
		Path tls = Tls.dir();
		// four different ports: two picks of a free port can be the same one, and nginx then merges the servers (a plain
		// one on an ssl port has no certificate: "no ssl_certificate is defined", CI at e9b5867)
		java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
		while (ports.size() < 4) {
			ports.add(freePort());
		}
		java.util.Iterator<Integer> free = ports.iterator();
		int port = free.next();
		int tlsPort = free.next();
		int untrustedPort = free.next();
		int proxyPort = free.next();
		String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
		String conf = user + """
				worker_processes 1;
				daemon off;
				error_log %1$s/error.log;
				pid %1$s/nginx.pid;
				events { worker_connections 512; }
				http {
				  log_format bits '$uri $status "$http_range" $body_bytes_sent';
				  log_format headers '$uri "$http_authorization" "$http_x_api_key"';
				  log_format protocol '$uri $server_protocol $connection';
				  access_log %1$s/access.log bits;
				  default_type application/octet-stream;
				  sendfile on;
				  client_body_temp_path %1$s/body;
				  proxy_temp_path %1$s/proxy;
				  server {
				    listen 127.0.0.1:%3$d;
				    root %2$s;
				    location /files/ { }
				    location /slow/ { alias %2$s/files/; limit_rate 256k; }
				    location /norange/ { alias %2$s/files/; max_ranges 0; }
				    location /limited/ { alias %2$s/files/; limit_rate 16m; }
				    location = /status/503 { add_header Retry-After 20 always; return 503; }
				    location = /status/429 { add_header Retry-After 20 always; return 429; }
				    location = /status/500 { return 500; }
				    location = /status/503-forever { add_header Retry-After 99999999999999999 always; return 503; }
				    location /novalidator/ { proxy_pass http://127.0.0.1:%3$d/files/; proxy_hide_header ETag; proxy_hide_header Last-Modified; }
				    location /chunked/ { alias %2$s/files/; ssi on; ssi_types *; }
				    location /echo/ { alias %2$s/files/; access_log %1$s/headers.log headers; }
				    location = /same-origin { absolute_redirect off; return 302 /echo/a.bin; }
				    location = /other-origin { return 302 http://127.0.0.1:%3$d/echo/a.bin; }
				    location /forbidden/ { return 403; }
				    location = /loop { return 302 /loop; }
				    location = /redirect { return 302 /files/a.bin; }
				    location /bits-error/ { add_header BITS-Packet-Type Ack always; add_header BITS-Error 0x80070005 always; add_header BITS-Error-Context 0x7 always; return 403; }
				    location = /reply-app { client_max_body_size 0; add_header BITS-Copy-File-To-Destination true always; return 200 "the application's reply"; }
				    %11$s
				    location /auth/ {
				      alias %2$s/files/;
				      if ($http_authorization != "Basic dXNlcjpzM2NyZXQ=") { return 401; }
				      if ($http_x_bits_token != "t0ken") { return 403; }
				    }
				  }
				  server {
				    listen 127.0.0.1:%10$d;
				    access_log %1$s/proxy.log bits;
				    location / { proxy_pass http://127.0.0.1:%3$d; }
				  }
				  server {
				    listen 127.0.0.1:%4$d ssl http2;
				    ssl_certificate %5$s;
				    ssl_certificate_key %6$s;
				    root %2$s;
				    access_log %1$s/access.log bits;
				    access_log %1$s/tls.log protocol;
				    location /files/ { }
				    location = /to-http { return 302 http://127.0.0.1:%3$d/files/a.bin; }
				  }
				  server {
				    listen 127.0.0.1:%7$d ssl;
				    ssl_certificate %8$s;
				    ssl_certificate_key %9$s;
				    root %2$s;
				  }
				}
				""".formatted(prefix, root, port, tlsPort, tls.resolve("trusted.pem"), tls.resolve("trusted.key"), untrustedPort,
				tls.resolve("untrusted.pem"), tls.resolve("untrusted.key"), proxyPort,
				upstream > 0 ? "location /upstream-1m/ { proxy_pass http://127.0.0.1:" + upstream + "/; client_max_body_size 1m; }" : "");
		Path confFile = prefix.resolve("nginx.conf");
		Files.writeString(confFile, conf);
		Process p = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", confFile.toString())
				.redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
		Nginx nginx = new Nginx(prefix, root, port, tlsPort, untrustedPort, proxyPort, p);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
		while (!nginx.listening()) {
			if (!p.isAlive() || System.nanoTime() > deadline) {
				throw new IllegalStateException("nginx did not start: " + Files.readString(prefix.resolve("stdout.log"))
						+ (Files.exists(prefix.resolve("error.log")) ? Files.readString(prefix.resolve("error.log")) : ""));
			}
			Thread.sleep(50);
		}
		return nginx;
	}

	public URI uri(String path) {
		return URI.create("http://127.0.0.1:" + port + path);
	}

	URI https(String path) {
		return URI.create("https://127.0.0.1:" + tlsPort + path);
	}

	URI untrusted(String path) {
		return URI.create("https://127.0.0.1:" + untrustedPort + path);
	}

	/** @return the access log lines for a URI path: "uri status "range" bytes" */
	public List<String> requests(String uriPath) throws IOException {
		Path log = prefix.resolve("access.log");
		if (!Files.exists(log)) {
			return List.of();
		}
		return Files.readAllLines(log).stream().filter(l -> l.startsWith(uriPath + " ")).toList();
	}

	/** @return the trusted TLS server's requests for a URI path, each with its protocol and connection: "uri HTTP/2.0 7" */
	List<String> tlsRequests(String uriPath) throws IOException {
		Path log = prefix.resolve("tls.log");
		return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith(uriPath + " ")).toList() : List.of();
	}

	/** @return the lines logged for /echo/: "uri "Authorization" "X-Api-Key"", "-" for a header not sent */
	List<String> echoedHeaders() throws IOException {
		Path log = prefix.resolve("headers.log");
		return Files.exists(log) ? Files.readAllLines(log) : List.of();
	}

	private boolean listening() {
		try (Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", port), 200);
			return true;
		} catch (IOException e) {
			return false;
		}
	}

	public static int freePort() throws IOException {
		try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return s.getLocalPort();
		}
	}

	public static void run(List<String> command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes());
		if (p.waitFor() != 0) {
			throw new IOException(command + " failed: " + out);
		}
	}

	@Override
	public void close() throws InterruptedException {
		process.destroy(); // SIGTERM: nginx's fast shutdown
		if (!process.waitFor(10, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}
}
