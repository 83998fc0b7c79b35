package bits.engine.upload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import bits.api.ErrorCodes;
import bits.engine.http.ClientShutdown;

/**
 * Hands a whole upload to a server application outside OSGi, as a BITS server does with its notification URL
 * ([MC-BUP] 3.3): a {@code POST} with {@code BITS-Original-Request-URL}, the file in the body ({@code body}) or its path
 * ({@code reference}: {@code BITS-Request-DataFile-Name}, and {@code BITS-Response-DataFile-Name} where the application
 * writes its reply). The application's answer is the upload-reply's reply (its body, or the file it wrote), or a
 * {@code BITS-Static-Response-URL}; the file goes to its destination only if it answers
 * {@code BITS-Copy-File-To-Destination}.
 */
final class ApplicationNotification {
	/** How the upload reaches the application. */
	enum Type {
		/** The file's path ({@code BITSServerNotificationType} 1). */
		REFERENCE,
		/** The file in the request's body ({@code BITSServerNotificationType} 2). */
		BODY
	}

	/** What the application answered. */
	record Answer(byte[] reply, String replyUrl, boolean placed) {
	}

	/** The application refused or failed: answered to the client with its status, context 0x7. */
	static final class Failure extends Exception {
		private static final long serialVersionUID = 1L;
		final int status;
		final int code;

		Failure(int status, int code, String message) {
			super(message);
			this.status = status;
			this.code = code;
		}
	}

	/** The longest reply URL a client is given ([MC-BUP] 2.2.1.2). */
	static final int MAX_REPLY_URL = 2200;
	/** The largest reply taken from an application's answer. */
	static final int MAX_REPLY = 64 << 20;

	private final URI url;
	private final Type type;
	private final Duration timeout;
	/** Made at the first notification: until then no thread of it waits in the kernel (see {@link ClientShutdown}). */
	private HttpClient client;
	private boolean closed;

	ApplicationNotification(URI url, Type type, Duration timeout) {
		this.url = url;
		this.type = type;
		this.timeout = timeout;
	}

	private synchronized HttpClient client() throws IOException {
		if (closed) {
			throw new IOException("the upload endpoint is closed");
		}
		if (client == null) {
			client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
		}
		return client;
	}

	/** Ends the client, if one was made, when its endpoint closes or replaces it; a notification asked afterwards fails. */
	synchronized void close() {
		closed = true;
		if (client != null) {
			ClientShutdown.shutdown(List.of(client));
			client = null;
		}
	}

	/**
	 * @param upload the URL the client uploaded to
	 * @param data the whole upload
	 * @param replyFile where the application writes its reply when notified by reference
	 */
	Answer notify(URI upload, Path data, Path replyFile) throws Failure, InterruptedException {
		HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout).header("BITS-Original-Request-URL", upload.toString());
		try {
			if (type == Type.BODY) {
				b.POST(HttpRequest.BodyPublishers.ofFile(data));
			} else {
				Files.deleteIfExists(replyFile);
				// both spellings: the spec's 2.2.12.2 and the wire's (and its 3.4.5.2)
				b.header("BITS-Request-DataFile-Name", data.toString()).header("BITS-Request-DataEntity-Name", data.toString())
						.header("BITS-Response-DataFile-Name", replyFile.toString()).header("BITS-Response-DataEntity-Name", replyFile.toString())
						.POST(HttpRequest.BodyPublishers.noBody());
			}
			HttpResponse<InputStream> r = client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
			try (InputStream body = r.body()) {
				int status = r.statusCode();
				if (status < 200 || status > 299) {
					throw new Failure(status >= 400 && status <= 599 ? status : 500, ErrorCodes.httpError(status),
							"the server application " + url + " answered HTTP " + status);
				}
				boolean placed = r.headers().firstValue("BITS-Copy-File-To-Destination").isPresent();
				String staticUrl = r.headers().firstValue("BITS-Static-Response-URL").map(String::trim).orElse(null);
				if (staticUrl != null) {
					if (staticUrl.length() > MAX_REPLY_URL || !staticUrl.toLowerCase(Locale.ROOT).matches("https?://\\S+")) {
						throw new Failure(400, ErrorCodes.E_INVALIDARG, "the server application's BITS-Static-Response-URL is not an absolute URL of"
								+ " at most " + MAX_REPLY_URL + " characters");
					}
					return new Answer(null, staticUrl, placed);
				}
				byte[] reply;
				if (type == Type.BODY) {
					reply = body.readNBytes(MAX_REPLY + 1);
				} else {
					reply = Files.isRegularFile(replyFile, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(replyFile) : new byte[0];
				}
				if (reply.length > MAX_REPLY) {
					throw new Failure(500, ErrorCodes.BG_E_TOO_LARGE, "the server application's reply is larger than " + MAX_REPLY + " bytes");
				}
				return new Answer(reply.length == 0 ? null : reply, null, placed); // an empty answer is no reply: a simple upload's
			}
		} catch (HttpTimeoutException e) {
			throw new Failure(408, ErrorCodes.E_TIMEOUT, "the server application " + url + " did not answer within " + timeout.toSeconds() + " s");
		} catch (IOException e) {
			throw new Failure(500, ErrorCodes.E_CONNECTION_ERROR, "the server application " + url + " cannot be reached: " + e);
		}
	}
}
