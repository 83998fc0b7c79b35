package bits.engine.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import bits.api.ProxySettings;
import bits.engine.http.ClientShutdown;

/**
 * The JDK HTTP clients of the engine, one per proxy setting, sharing one executor and one TLS context: the JDK's
 * trust store plus, if configured, the engine's own; a GET over plain http goes through {@link PlainHttp} instead.
 * Redirects are followed by the downloader, not the client, so that the job's redirect policy applies. HTTP/2 is used
 * where a server offers it in the TLS handshake: the requests of a job's files then share one connection.
 */
final class HttpClients {
	private final Map<ProxySettings, HttpClient> clients = new ConcurrentHashMap<>();
	private final ExecutorService executor;
	/**
	 * The TLS context with the configured extra trust, or {@code null}: the JDK's default, which each client takes when it
	 * is built. Not made before then: setting it up takes a tenth of a second, which a one-shot {@code ./bits transfer}
	 * of a plain http URL (bench P10) never needs.
	 */
	private final SSLContext tls;
	private final Duration connectTimeout;
	private volatile boolean closed;

	HttpClients(ExecutorService executor, Duration connectTimeout, String trustStore, String password) throws IOException, GeneralSecurityException {
		this.executor = executor;
		this.connectTimeout = connectTimeout;
		this.tls = trustStore.isEmpty() ? null : withExtraTrust(Path.of(trustStore), password.toCharArray());
	}

	HttpClient client(ProxySettings proxy) {
		if (closed) {
			throw new IllegalStateException("the engine is stopping: its HTTP clients are closed");
		}
		return clients.computeIfAbsent(proxy, p -> {
			HttpClient.Builder b = HttpClient.newBuilder()
					.version(HttpClient.Version.HTTP_2) // over TLS when the server offers it (ALPN); plain http: see HttpDownloader
					.followRedirects(HttpClient.Redirect.NEVER)
					.connectTimeout(connectTimeout)
					.executor(executor);
			if (tls != null) {
				b.sslContext(tls);
			}
			switch (p.usage()) {
			case NO_PROXY -> b.proxy(HttpClient.Builder.NO_PROXY);
			case OVERRIDE -> b.proxy(new ListSelector(p.proxies(), p.bypass()));
			case PRECONFIG -> {
				ProxySelector system = ProxySelector.getDefault();
				b.proxy(system == null ? HttpClient.Builder.NO_PROXY : system);
			}
			}
			return b.build();
		});
	}

	/**
	 * Sends a request on one of the engine's HTTP threads, for the caller to wait on ({@link Awaiting}) and cancel:
	 * cancelling interrupts the client's {@code send}, which then aborts the exchange. Not {@code sendAsync}: the JDK's
	 * client completes every response of it on {@code CompletableFuture}'s default executor, which on a machine of one
	 * or two cores starts a new thread for each (a thread made and ended per small file). The cost: {@code send} writes
	 * the request on the calling thread, and an interrupt that comes while it does (a stop within the first moments of
	 * a request) closes that connection, with any other exchange an HTTP/2 connection carried.
	 */
	<T> Future<HttpResponse<T>> send(ProxySettings proxy, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
		if (PlainHttp.handles(request)) {
			if (closed) {
				throw new IllegalStateException("the engine is stopping: its HTTP clients are closed");
			}
			return PlainHttp.send(executor, plainProxy(proxy, request.uri()), connectTimeout, request, handler);
		}
		return send(client(proxy), request, handler);
	}

	/** The proxy a plain http request goes through: the first the setting selects, as the JDK's client takes. */
	private static Proxy plainProxy(ProxySettings p, URI uri) {
		ProxySelector selector = switch (p.usage()) {
		case NO_PROXY -> null;
		case OVERRIDE -> new ListSelector(p.proxies(), p.bypass());
		case PRECONFIG -> ProxySelector.getDefault();
		};
		List<Proxy> proxies = selector == null ? List.of() : selector.select(uri);
		return proxies.isEmpty() ? Proxy.NO_PROXY : proxies.get(0);
	}

	/** {@link #send(ProxySettings, HttpRequest, HttpResponse.BodyHandler)} with a client of these. */
	<T> Future<HttpResponse<T>> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler) {
		if (closed) {
			throw new IllegalStateException("the engine is stopping: its HTTP clients are closed");
		}
		FutureTask<HttpResponse<T>> exchange = new FutureTask<>(() -> client.send(request, handler));
		executor.execute(exchange);
		return exchange;
	}

	/**
	 * Ends the clients (their connections and selector threads, see {@link ClientShutdown}) when the engine stops; a
	 * client asked for afterwards is refused.
	 */
	void close() {
		closed = true;
		ClientShutdown.shutdown(List.copyOf(clients.values()));
		clients.clear();
	}

	/** BITS's OVERRIDE proxy usage: the listed proxies, except for hosts matching the bypass list. */
	private static final class ListSelector extends ProxySelector {
		private final List<Proxy> proxies = new ArrayList<>();
		private final List<String> bypass;

		ListSelector(List<String> list, List<String> bypass) {
			for (String entry : list) {
				int colon = entry.lastIndexOf(':');
				String host = colon > 0 ? entry.substring(0, colon) : entry;
				int port = colon > 0 ? Integer.parseInt(entry.substring(colon + 1)) : 80;
				proxies.add(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port)));
			}
			this.bypass = bypass;
		}

		@Override
		public List<Proxy> select(URI uri) {
			String host = uri.getHost() == null ? "" : uri.getHost();
			for (String b : bypass) {
				if (b.equalsIgnoreCase(host) || b.startsWith("*") && host.endsWith(b.substring(1))) {
					return List.of(Proxy.NO_PROXY);
				}
			}
			return proxies;
		}

		@Override
		public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
			// the next proxy in the list is tried by the client
		}
	}

	private static SSLContext withExtraTrust(Path store, char[] password) throws IOException, GeneralSecurityException {
		KeyStore extra = KeyStore.getInstance(store.toString().endsWith(".jks") ? "JKS" : "PKCS12");
		try (InputStream in = Files.newInputStream(store)) {
			extra.load(in, password);
		}
		X509TrustManager jdk = trustManager(null);
		X509TrustManager own = trustManager(extra);
		X509TrustManager both = new X509TrustManager() {
			@Override
			public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
				jdk.checkClientTrusted(chain, authType);
			}

			@Override
			public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
				try {
					own.checkServerTrusted(chain, authType);
				} catch (java.security.cert.CertificateException e) {
					jdk.checkServerTrusted(chain, authType);
				}
			}

			@Override
			public X509Certificate[] getAcceptedIssuers() {
				X509Certificate[] a = jdk.getAcceptedIssuers();
				X509Certificate[] b = own.getAcceptedIssuers();
				X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
				System.arraycopy(b, 0, all, a.length, b.length);
				return all;
			}
		};
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, new TrustManager[] { both }, null);
		return context;
	}

	private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
		TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		f.init(store);
		for (TrustManager tm : f.getTrustManagers()) {
			if (tm instanceof X509TrustManager x) {
				return x;
			}
		}
		throw new GeneralSecurityException("no X509 trust manager");
	}
}
