package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import bits.api.ProxySettings;
import bits.engine.http.ClientShutdown;

/** The engine's HTTP clients end their threads when the engine stops: a thread left in the kernel delays the JVM's exit. */
class HttpClientsTest {
	private ExecutorService executor;
	private HttpClients clients;

	@BeforeEach
	void clients() throws Exception {
		executor = Executors.newCachedThreadPool();
		clients = new HttpClients(executor, Duration.ofSeconds(5), "", "");
	}

	@AfterEach
	void close() {
		clients.close();
		executor.shutdownNow();
	}

	@Test
	void closeEndsTheSelectorThreadOfEveryClientAndRefusesNewOnes() throws Exception {
		List<Thread> selectors = new ArrayList<>();
		for (ProxySettings proxy : List.of(ProxySettings.NO_PROXY, ProxySettings.PRECONFIG)) {
			HttpClient client = clients.client(proxy);
			String name = ClientShutdown.selectorThreadName(client.toString()); // JDK 17 to 25 name it after the client's id
			Thread selector = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
					.orElseThrow(() -> new AssertionError("no thread named " + name + " for " + client));
			assertTrue(selector.isAlive());
			selectors.add(selector);
		}
		clients.close();
		for (Thread selector : selectors) {
			selector.join(10_000);
			assertFalse(selector.isAlive(), selector.getName() + " still runs after close()");
		}
		assertThrows(IllegalStateException.class, () -> clients.client(ProxySettings.NO_PROXY));
	}

	@Test
	void cancellingASentRequestAbortsItsExchange() throws Exception {
		// a POST goes through the JDK's client, a plain http GET through PlainHttp: both end their connection
		for (String method : List.of("POST", "GET")) {
			ExecutorService executor = Executors.newCachedThreadPool();
			HttpClients clients = new HttpClients(executor, Duration.ofSeconds(5), "", "");
			try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
				HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/never"))
						.method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("x"))
						.timeout(Duration.ofMinutes(5)).build();
				Future<HttpResponse<Void>> exchange = clients.send(ProxySettings.NO_PROXY, request, HttpResponse.BodyHandlers.discarding());
				try (Socket accepted = server.accept()) { // the request arrives, and is never answered
					accepted.setSoTimeout(10_000);
					InputStream in = accepted.getInputStream();
					byte[] head = new byte[4];
					assertEquals(4, in.readNBytes(head, 0, 4));
					assertEquals(method.substring(0, 3), new String(head, 0, 3, StandardCharsets.US_ASCII));
					exchange.cancel(true); // as Awaiting does at a stop
					// the client closes the connection: the rest of the request, then the end of the stream
					while (in.read() >= 0) {
						// the request's remaining bytes
					}
				}
				assertTrue(exchange.isCancelled());
			} finally {
				clients.close();
				executor.shutdownNow();
			}
		}
	}

	@Test
	void aPlainHttpRequestNotAnsweredInTimeFailsAsTheClientsTimeout() throws Exception {
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/slow")).timeout(Duration.ofMillis(300))
					.build();
			Future<HttpResponse<Void>> exchange = clients.send(ProxySettings.NO_PROXY, request, HttpResponse.BodyHandlers.discarding());
			try (Socket accepted = server.accept()) {
				ExecutionException e = assertThrows(ExecutionException.class, () -> exchange.get(10, TimeUnit.SECONDS));
				// what HttpDownloader.failure reads as "the server did not answer in time" (E_TIMEOUT), not a broken connection
				assertTrue(e.getCause() instanceof HttpTimeoutException, e.getCause().toString());
			}
		}
	}

	@Test
	void cancellingABodyThatStallsReturnsAtOnceAndItsConnectionClosesWhenTheReadReturns() throws Exception {
		// a stop (Awaiting, SinkSubscriber.abort) must not wait for a server that sends nothing more: closing the stream
		// of HttpURLConnection waits for the read that blocks, up to the read timeout (5 min here)
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/stalls"))
					.timeout(Duration.ofMinutes(5)).build();
			CountDownLatch arrived = new CountDownLatch(1);
			AtomicInteger signalsAfterCancel = new AtomicInteger();
			AtomicBoolean cancelled = new AtomicBoolean();
			Future<HttpResponse<Void>> exchange = clients.send(ProxySettings.NO_PROXY, request, info -> new BodySubscriber<Void>() {
				private final CompletableFuture<Void> body = new CompletableFuture<>();
				private Flow.Subscription subscription;

				@Override
				public void onSubscribe(Flow.Subscription s) {
					subscription = s;
					s.request(1);
				}

				@Override
				public void onNext(List<ByteBuffer> items) {
					signal();
					arrived.countDown();
					subscription.request(1);
				}

				@Override
				public void onError(Throwable t) {
					signal();
					body.completeExceptionally(t);
				}

				@Override
				public void onComplete() {
					signal();
					body.complete(null);
				}

				private void signal() {
					if (cancelled.get()) {
						signalsAfterCancel.incrementAndGet();
					}
				}

				@Override
				public CompletionStage<Void> getBody() {
					return body;
				}
			});
			try (Socket accepted = server.accept()) {
				accepted.setSoTimeout(30_000);
				InputStream in = accepted.getInputStream();
				in.readNBytes(4); // the request came
				OutputStream out = accepted.getOutputStream();
				out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.write(new byte[1024]);
				out.flush();
				assertTrue(arrived.await(30, TimeUnit.SECONDS), "the first bytes of the body did not arrive");
				cancelled.set(true);
				Thread canceller = new Thread(() -> exchange.cancel(true));
				canceller.start();
				canceller.join(30_000);
				assertFalse(canceller.isAlive(), "cancel() waited for the stalled read");
				assertTrue(exchange.isCancelled());
				// the server sends again: the read returns, and its thread closes the connection
				out.write(new byte[1024]);
				out.flush();
				while (in.read() >= 0) {
					// the rest of the request
				}
				assertEquals(0, signalsAfterCancel.get(), "the subscriber was signalled after the cancel");
			}
		}
	}

	@Test
	void cancellingDoesNotInterruptTheThreadThatWritesTheBody() throws Exception {
		// PlainHttp's thread runs the subscriber's onNext, which writes the file: an interrupt would close its FileChannel
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/body"))
					.timeout(Duration.ofMinutes(5)).build();
			CountDownLatch writing = new CountDownLatch(1);
			CountDownLatch cancelled = new CountDownLatch(1);
			CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
			Future<HttpResponse<Void>> exchange = clients.send(ProxySettings.NO_PROXY, request, info -> new BodySubscriber<Void>() {
				@Override
				public void onSubscribe(Flow.Subscription s) {
					s.request(1);
				}

				@Override
				public void onNext(List<ByteBuffer> items) {
					writing.countDown();
					try {
						cancelled.await(30, TimeUnit.SECONDS);
						interrupted.complete(Thread.currentThread().isInterrupted());
					} catch (InterruptedException e) {
						interrupted.complete(true);
					}
				}

				@Override
				public void onError(Throwable t) {
				}

				@Override
				public void onComplete() {
				}

				@Override
				public CompletionStage<Void> getBody() {
					return new CompletableFuture<>();
				}
			});
			try (Socket accepted = server.accept()) {
				accepted.getInputStream().readNBytes(4);
				OutputStream out = accepted.getOutputStream();
				out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.write(new byte[1024]);
				out.flush();
				assertTrue(writing.await(30, TimeUnit.SECONDS), "the body did not arrive");
				exchange.cancel(true); // as Awaiting does at a stop
				cancelled.countDown();
				assertFalse(interrupted.get(30, TimeUnit.SECONDS), "the thread writing the body was interrupted");
			}
		}
	}

	@Test
	void aSubscriberAskingForNoItemsGetsAnErrorAndTheCallEnds() throws Exception {
		// java.util.concurrent.Flow: request(n) with n <= 0 signals onError with an IllegalArgumentException
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/zero"))
					.timeout(Duration.ofMinutes(5)).build();
			Future<HttpResponse<String>> exchange = clients.send(ProxySettings.NO_PROXY, request,
					info -> HttpResponse.BodySubscribers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
						@Override
						public void onSubscribe(Flow.Subscription s) {
							s.request(0);
						}

						@Override
						public void onNext(List<ByteBuffer> item) {
						}

						@Override
						public void onError(Throwable t) {
						}

						@Override
						public void onComplete() {
						}
					}, s -> "done"));
			try (Socket accepted = server.accept()) {
				accepted.setSoTimeout(30_000);
				InputStream in = accepted.getInputStream();
				in.readNBytes(4);
				OutputStream out = accepted.getOutputStream();
				out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				ExecutionException e = assertThrows(ExecutionException.class, () -> exchange.get(30, TimeUnit.SECONDS));
				Throwable cause = e.getCause() instanceof java.io.IOException io && io.getCause() != null ? io.getCause() : e.getCause();
				assertTrue(cause instanceof IllegalArgumentException, e.getCause().toString());
				while (in.read() >= 0) {
					// the call closed its connection
				}
			}
		}
	}

	@Test
	void aJobsCustomHeadersAreSentAsGivenWhicheverClientSendsThem() throws Exception {
		// PlainHttp sends a job's Accept instead of its own, and leaves a header HttpURLConnection would drop (Origin) to
		// the JDK's client
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			for (String header : List.of("Accept: application/json", "Origin: http://example.test")) {
				String[] h = header.split(": ");
				HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/h")).header(h[0], h[1])
						.timeout(Duration.ofSeconds(30)).build();
				Future<HttpResponse<Void>> exchange = clients.send(ProxySettings.NO_PROXY, request, HttpResponse.BodyHandlers.discarding());
				try (Socket accepted = server.accept()) {
					accepted.setSoTimeout(30_000);
					List<String> lines = new ArrayList<>();
					var in = new java.io.BufferedReader(new java.io.InputStreamReader(accepted.getInputStream(), StandardCharsets.US_ASCII));
					for (String line; (line = in.readLine()) != null && !line.isEmpty();) {
						lines.add(line);
					}
					accepted.getOutputStream().write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
					accepted.getOutputStream().flush();
					List<String> named = lines.stream().filter(l -> l.regionMatches(true, 0, h[0] + ":", 0, h[0].length() + 1)).toList();
					assertEquals(List.of(h[1]), named.stream().map(l -> l.substring(h[0].length() + 1).trim()).toList(), lines.toString());
					assertEquals(204, exchange.get(30, TimeUnit.SECONDS).statusCode());
				}
			}
		}
	}

	@Test
	void theSelectorThreadIsNamedAfterTheClientsId() {
		assertEquals("HttpClient-12-SelectorManager", ClientShutdown.selectorThreadName("jdk.internal.net.http.HttpClientImpl@1b2c3d(12)"));
		assertNull(ClientShutdown.selectorThreadName("jdk.internal.net.http.HttpClientImpl@1b2c3d"));
		assertNull(ClientShutdown.selectorThreadName("some client (x)"));
		assertNull(ClientShutdown.selectorThreadName("some client ()"));
	}
}
