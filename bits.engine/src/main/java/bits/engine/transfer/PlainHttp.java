package bits.engine.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import javax.net.ssl.SSLSession;

/**
 * A GET over plain http through the JDK's {@link HttpURLConnection}, with the contract of {@link HttpClients#send}: the
 * same request and body handler, the response's body pushed into the handler's subscriber, the same exceptions (a
 * connect or response timeout as the client's). Plain http is HTTP/1.1 either way, and this client costs about half
 * of the JDK's {@code HttpClient} per small request (bench P2, {@code bench/Clients.java}): no selector thread, no
 * hand-over of every buffer between threads. A stop closes the connection, since a blocking read does not answer an
 * interrupt; it returns at once, while a read of the body that blocks ends with the connection's close. The connection
 * offers no way to close its socket under a blocked read: with a server that sends nothing more, the reading thread
 * (a daemon) and its socket stay until the server's next bytes or the read timeout.
 */
final class PlainHttp {
	/** Bytes per buffer handed to the subscriber: a read returns what the socket holds, a few such reads fill one. */
	private static final int BUFFER = 64 << 10;
	/**
	 * No credentials but the job's own: the JVM's default authenticator (an RCP application's password dialog) is never
	 * asked for a job's 401.
	 */
	private static final Authenticator NONE = new Authenticator() {
		@Override
		protected PasswordAuthentication getPasswordAuthentication() {
			return null;
		}
	};

	private PlainHttp() {
	}

	/**
	 * The request headers {@link HttpURLConnection} drops without a word (its {@code restrictedHeaders}) and the JDK's
	 * client sends: a job's custom header of one of these names goes through the client.
	 */
	private static final Set<String> DROPPED = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
	static {
		DROPPED.addAll(List.of("Access-Control-Request-Headers", "Access-Control-Request-Method", "Connection", "Content-Length",
				"Content-Transfer-Encoding", "Host", "Keep-Alive", "Origin", "Trailer", "Transfer-Encoding", "Upgrade", "Via"));
	}

	/** @return whether {@code request} goes this way: a GET of an http URI with no header this way would drop */
	static boolean handles(HttpRequest request) {
		return "http".equalsIgnoreCase(request.uri().getScheme()) && "GET".equals(request.method())
				&& request.headers().map().keySet().stream().noneMatch(DROPPED::contains);
	}

	/**
	 * Sends {@code request} on a thread of {@code executor}.
	 *
	 * @param proxy the proxy to go through, or {@link Proxy#NO_PROXY}
	 * @param connectTimeout how long connecting may take
	 */
	static <T> Future<HttpResponse<T>> send(Executor executor, Proxy proxy, Duration connectTimeout, HttpRequest request, BodyHandler<T> handler) {
		Call<T> call = new Call<>(proxy, connectTimeout, request, handler);
		Exchange<T> exchange = new Exchange<>(call);
		executor.execute(exchange);
		return exchange;
	}

	/** The future of a call: cancelling it also ends the call ({@link Call#close}). */
	private static final class Exchange<T> extends FutureTask<HttpResponse<T>> {
		private final Call<T> call;

		Exchange(Call<T> call) {
			super(call::run);
			this.call = call;
		}

		/**
		 * Closes the call, without interrupting its thread: that thread writes the body into the subscriber's file, whose
		 * channel an interrupt would close, and neither a socket's read nor the call's wait needs one.
		 */
		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			call.close();
			return super.cancel(false);
		}
	}

	private static final class Call<T> implements Flow.Subscription {
		private final Proxy proxy;
		private final Duration connectTimeout;
		private final HttpRequest request;
		private final BodyHandler<T> handler;
		private volatile HttpURLConnection connection;
		private volatile boolean closed;
		private boolean finished;
		private boolean reading;
		private IllegalArgumentException invalid;
		private long demand;

		Call(Proxy proxy, Duration connectTimeout, HttpRequest request, BodyHandler<T> handler) {
			this.proxy = proxy;
			this.connectTimeout = connectTimeout;
			this.request = request;
			this.handler = handler;
		}

		HttpResponse<T> run() throws IOException, InterruptedException {
			HttpURLConnection c = (HttpURLConnection) request.uri().toURL().openConnection(proxy);
			connection = c;
			closedNow();
			c.setInstanceFollowRedirects(false); // the downloader follows them, under the job's redirect policy
			c.setUseCaches(false); // no ResponseCache an application installed answers for the server (the request says no-cache)
			c.setAuthenticator(NONE);
			c.setConnectTimeout(millis(connectTimeout));
			int readTimeout = request.timeout().map(PlainHttp::millis).orElse(0);
			c.setReadTimeout(readTimeout);
			if (request.headers().firstValue("Accept").isEmpty()) {
				c.setRequestProperty("Accept", "*/*"); // as the JDK's client, not the connection's own list of image types
			}
			request.headers().map().forEach((name, values) -> values.forEach(v -> c.addRequestProperty(name, v)));
			try {
				c.connect();
			} catch (SocketTimeoutException e) {
				throw timeout(new HttpConnectTimeoutException("HTTP connect timed out"), e);
			}
			closedNow(); // a close while connecting found nothing to close: the request is not sent
			int status;
			try {
				status = c.getResponseCode();
			} catch (SocketTimeoutException e) {
				throw timeout(new HttpTimeoutException("request timed out"), e);
			}
			closedNow(); // the caller gave up: the response is not handed to it
			if (status < 0) {
				throw new IOException("not an HTTP response from " + request.uri());
			}
			Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // one name, however spelt
			c.getHeaderFields().forEach((name, values) -> {
				if (name != null) { // the status line
					fields.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values);
				}
			});
			HttpHeaders headers = HttpHeaders.of(fields, (n, v) -> true);
			BodySubscriber<T> subscriber;
			InputStream in;
			try {
				subscriber = handler.apply(new Info(status, headers));
				in = status >= 400 ? c.getErrorStream() : c.getInputStream();
				subscriber.onSubscribe(this);
			} catch (RuntimeException | Error e) { // the handler failed (a failure to record the job): the body is not read
				close();
				throw e;
			}
			pump(in, subscriber, readTimeout, c.getContentLengthLong());
			CompletableFuture<T> body = subscriber.getBody().toCompletableFuture();
			if (closed && !body.isDone()) {
				throw new IOException("cancelled"); // closed from outside: the subscriber, never completed, is not waited for
			}
			try {
				return new Response<>(request, status, headers, body.get());
			} catch (ExecutionException e) {
				// as the JDK client's send: its own IOException as it is, the subscriber's failure (a disk full, a stop)
				// wrapped in a plain IOException that HttpDownloader.failure looks through
				if (e.getCause() instanceof IOException io) {
					throw io;
				}
				throw new IOException(e.getCause().getMessage(), e.getCause());
			}
		}

		/** Ends the call here if it was closed, and its connection with it. */
		private void closedNow() throws IOException {
			if (closed) {
				connection.disconnect(); // no read runs: this does not wait
				throw new IOException("cancelled");
			}
		}

		/**
		 * Pushes the body into the subscriber as it asks for it, on this thread.
		 *
		 * @param length the body's announced length, or -1: the buffers are no larger than what is still to come, so
		 *        the read that finds the end of a small file's body takes no buffer of its own
		 */
		private void pump(InputStream in, BodySubscriber<T> subscriber, int readTimeout, long length) {
			long left = length;
			try {
				if (in == null) { // an error status without a body
					synchronized (this) {
						finished = true;
					}
					subscriber.onComplete();
					return;
				}
				try (in) {
					while (true) {
						IllegalArgumentException refused;
						synchronized (this) {
							if (closed) {
								return; // by the subscriber, which completed itself, or from outside, which run() does not wait for
							}
							refused = invalid;
							if (refused == null) {
								if (demand == 0) {
									wait(readTimeout); // a subscriber asks from within its onNext; one that asks later wakes this
									continue;
								}
								demand--;
								reading = true;
							}
						}
						if (refused != null) { // as the Flow rules ask: the subscriber's error, and the call ends
							close();
							subscriber.onError(refused);
							return;
						}
						byte[] buffer = new byte[left < 0 ? BUFFER : (int) Math.max(1, Math.min(BUFFER, left))];
						int n;
						try {
							n = in.read(buffer);
							if (n > 0) {
								n += available(in, buffer, n);
							}
						} finally {
							if (endRead()) {
								return;
							}
						}
						if (n < 0) {
							synchronized (this) {
								finished = true; // the connection goes back to the cache when the stream closes: close() leaves it
							}
							subscriber.onComplete();
							return;
						}
						if (left > 0) {
							left = Math.max(0, left - n);
						} else if (left == 0) {
							left = -1; // more than announced (a chunked body with a stray length): full buffers again
						}
						subscriber.onNext(List.of(ByteBuffer.wrap(buffer, 0, n)));
					}
				}
			} catch (SocketTimeoutException e) {
				subscriber.onError(Awaiting.stalled(Duration.ofMillis(readTimeout)));
			} catch (IOException e) {
				subscriber.onError(closed ? new IOException("cancelled", e) : e);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				subscriber.onError(e);
			}
		}

		/**
		 * Ends a read of the body. A {@link #close} that came during the read left the connection to this thread, since
		 * closing the stream waits for the read (the stream's lock): it is closed now, and nothing more is signalled.
		 *
		 * @return whether the call was closed
		 */
		private boolean endRead() {
			synchronized (this) {
				reading = false;
				if (!closed) {
					return false;
				}
			}
			connection.disconnect();
			return true;
		}

		/** Reads what is there now, up to a full buffer, without waiting for more. */
		private static int available(InputStream in, byte[] buffer, int from) throws IOException {
			int at = from;
			while (at < buffer.length) {
				int available = in.available();
				if (available <= 0) {
					break;
				}
				int n = in.read(buffer, at, Math.min(available, buffer.length - at));
				if (n < 0) {
					break;
				}
				at += n;
			}
			return at - from;
		}

		@Override
		public synchronized void request(long n) {
			if (n <= 0) {
				invalid = new IllegalArgumentException("a subscriber asked for " + n + " items: at least 1 (java.util.concurrent.Flow)");
			} else {
				demand = Math.max(demand, demand + n); // at most Long.MAX_VALUE
			}
			notifyAll();
		}

		@Override
		public void cancel() {
			close();
		}

		/**
		 * Ends the call at once: its connection is closed (not kept for another request). A read of the body that blocks
		 * holds the stream's lock, which closing the connection would wait for, up to the read timeout with a server
		 * that stalls: the reading thread closes it when its read returns, and this returns without waiting.
		 */
		void close() {
			synchronized (this) {
				if (finished || closed) {
					return;
				}
				closed = true;
				notifyAll();
				if (reading) {
					return;
				}
			}
			HttpURLConnection c = connection;
			if (c != null) {
				c.disconnect();
			}
		}

		private static IOException timeout(IOException e, Throwable cause) {
			e.initCause(cause);
			return e;
		}
	}

	private static int millis(Duration d) {
		return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
	}

	private record Info(int statusCode, HttpHeaders headers) implements HttpResponse.ResponseInfo {
		@Override
		public HttpClient.Version version() {
			return HttpClient.Version.HTTP_1_1;
		}
	}

	private record Response<T>(HttpRequest request, int statusCode, HttpHeaders headers, T body) implements HttpResponse<T> {
		@Override
		public Optional<HttpResponse<T>> previousResponse() {
			return Optional.empty();
		}

		@Override
		public Optional<SSLSession> sslSession() {
			return Optional.empty();
		}

		@Override
		public URI uri() {
			return request.uri();
		}

		@Override
		public HttpClient.Version version() {
			return HttpClient.Version.HTTP_1_1;
		}
	}
}
