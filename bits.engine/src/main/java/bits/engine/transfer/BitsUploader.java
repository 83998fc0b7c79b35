package bits.engine.transfer;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.service.log.Logger;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.files.FileRoots;
import bits.engine.files.TemporaryFiles;
import bits.engine.files.UnsafeFileException;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.UploadSession;

/**
 * The client side of the BITS upload protocol ([MC-BUP], SPEC U1): Create-Session, then the file in Fragments, each
 * acknowledged with the offset the server holds, from which the next one starts (after a 200 or a 416 alike). The
 * session is kept with the job, so that an upload resumes where the server's bytes end after any interruption or
 * restart; a server that lost the session gets a new one; a 413 makes the fragments smaller. Close-Session is sent
 * when the job completes, Cancel-Session when it is cancelled.
 */
final class BitsUploader {
	static final String PROTOCOL = "{7df0354d-249b-430f-820d-3d2a9bef4931}";
	static final String METHOD = "BITS_POST";
	/** BITS's largest fragment is 13 MB; fewer, larger fragments cost fewer round trips and server syncs. */
	static final int FIRST_FRAGMENT = 8 << 20;
	/** A 413 halves the fragment, down to this (BITS: 5 KB). */
	static final int MIN_FRAGMENT = 16 << 10;
	/** BITS's client timer for a request and its response. */
	private static final Duration LEAST_TIMEOUT = Duration.ofMinutes(2);
	private static final int MAX_NEW_SESSIONS = 3;

	private final HttpClients clients;
	private final JobTransitions transitions;
	private final Duration timeout;
	private final List<Path> roots;
	private final Executor background;
	private final Logger log;

	/**
	 * @param roots the configured {@code file.roots}: an upload reads only under them
	 * @param background runs Cancel-Session after a job's cancel
	 */
	BitsUploader(HttpClients clients, JobTransitions transitions, Duration readTimeout, List<Path> roots, Executor background, Logger log) {
		this.clients = clients;
		this.transitions = transitions;
		this.timeout = readTimeout.compareTo(LEAST_TIMEOUT) > 0 ? readTimeout : LEAST_TIMEOUT;
		this.roots = roots;
		this.background = background;
		this.log = log;
	}

	void upload(UUID job, FileRecord file, JobRun run, Throttle throttle) throws TransferFailure, Stopped, InterruptedException {
		RequestSettings settings = RequestSettings.of(transitions.job(job).orElseThrow(Stopped::new), file.index());
		Path source = source(file.local());
		try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
			BasicFileAttributes a = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
			long size = in.size();
			if (size == 0) {
				throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_INVALIDARG,
						file.local() + " is empty: the BITS upload protocol sends a file in fragments of at least one byte", null);
			}
			String version = size + "@" + a.lastModifiedTime().toMillis();
			Optional<UploadSession> kept = UploadSession.of(transitions.file(job, file.index()).validator());
			if (kept.isPresent() && !kept.get().version().equals(version)) {
				throw changed(file);
			}
			JobType type = transitions.job(job).orElseThrow(Stopped::new).type();
			new Run(job, type, file, run, settings, throttle, in, size, version).upload(kept.orElse(null));
		} catch (IOException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "cannot read " + file.local() + ": " + e, e);
		}
	}

	/** One upload of one file: its session, its offset, its fragment size. */
	private final class Run {
		private final UUID job;
		private final JobType type;
		private final FileRecord file;
		private final JobRun run;
		private final RequestSettings settings;
		private final Throttle throttle;
		private final FileChannel in;
		private final long size;
		private final String version;
		private int fragment = FIRST_FRAGMENT;
		private int newSessions;

		Run(UUID job, JobType type, FileRecord file, JobRun run, RequestSettings settings, Throttle throttle, FileChannel in, long size,
				String version) {
			this.job = job;
			this.type = type;
			this.file = file;
			this.run = run;
			this.settings = settings;
			this.throttle = throttle;
			this.in = in;
			this.size = size;
			this.version = version;
		}

		void upload(UploadSession kept) throws TransferFailure, Stopped, InterruptedException, IOException {
			transitions.sizeAnnounced(job, file.index(), size);
			UploadSession session = kept;
			long offset = kept == null ? 0 : transitions.file(job, file.index()).bytesTransferred();
			if (session == null) {
				session = create();
			}
			transitions.transferring(job);
			byte[] buffer = new byte[(int) Math.max(1, Math.min(fragment, size))];
			// resuming, the server may hold more than the job knows (Acks lost with the connection) or less (restored): a
			// first fragment of one byte costs a round trip, and its Ack (200, or 416 with the offset) tells where to go on
			boolean probe = kept != null;
			while (offset < size) {
				if (run.stopRequested()) {
					throw new Stopped();
				}
				int length = probe ? 1 : (int) Math.min(fragment, size - offset);
				probe = false;
				if (buffer.length < length) {
					buffer = new byte[length];
				}
				read(buffer, offset, length);
				throttle.acquire(length);
				HttpResponse<Void> r = send(packet(session, "Fragment", HttpRequest.BodyPublishers.ofByteArray(buffer, 0, length))
						.header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/" + size).build());
				int status = r.statusCode();
				if (status == 200 || status == 416) {
					long next = received(r, status == 200 ? offset + length : -1);
					if (next < 0 || next > size) {
						throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the server says it holds " + next + " bytes of a file of " + size, null, null);
					}
					if (status == 416 && next == offset) {
						throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the server refused the fragment at " + offset + " and asks for that same offset", null, null);
					}
					offset = next;
					if (offset == size && type == JobType.UPLOAD_REPLY) {
						session = replyNamed(r, session);
					}
					transitions.received(job, file.index(), offset);
					// an upload-reply job's file is whole once its reply is too
					transitions.checkpoint(job, file.index(), offset, size, session.validator(), offset == size && type == JobType.UPLOAD);
				} else if (status == 413) {
					if (fragment <= MIN_FRAGMENT) {
						throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_TOO_LARGE,
								"the server refuses even fragments of " + MIN_FRAGMENT + " bytes (HTTP 413)", null);
					}
					fragment = Math.max(MIN_FRAGMENT, fragment / 2);
				} else if (error(r.headers()) == ErrorCodes.BG_E_SESSION_NOT_FOUND) {
					session = create(); // the server lost the session (expired, restored from a backup): from byte 0
					offset = 0;
					transitions.received(job, file.index(), 0);
				} else {
					throw failure(r);
				}
			}
			if (type == JobType.UPLOAD_REPLY) {
				if (session.reply() == null) {
					session = askForReply(session, buffer);
				}
				session = receiveReply(session);
				transitions.checkpoint(job, file.index(), size, size, session.validator(), true);
			}
		}

		/**
		 * The server holds every byte but the job has no reply URL (the last Ack was lost with its connection): the last
		 * byte again, whose Ack carries it.
		 */
		private UploadSession askForReply(UploadSession session, byte[] buffer) throws TransferFailure, Stopped, InterruptedException, IOException {
			read(buffer, size - 1, 1);
			HttpResponse<Void> r = send(packet(session, "Fragment", HttpRequest.BodyPublishers.ofByteArray(buffer, 0, 1))
					.header("Content-Range", "bytes " + (size - 1) + "-" + (size - 1) + "/" + size).build());
			if (r.statusCode() != 200) {
				throw failure(r);
			}
			UploadSession named = replyNamed(r, session);
			transitions.checkpoint(job, file.index(), size, size, named.validator(), false);
			return named;
		}

		/** The reply URL the last fragment's Ack names ({@code BITS-Reply-URL}), resolved against the upload's URL. */
		private UploadSession replyNamed(HttpResponse<Void> r, UploadSession session) throws TransferFailure {
			String value = r.headers().firstValue("BITS-Reply-URL").map(String::trim).orElse("");
			URI reply;
			try {
				// IIS names it relative, with backslashes ([MC-BUP] 4.2)
				reply = value.isEmpty() ? null : target(file.remote(), session.host()).resolve(value.replace('\\', '/').replace("{", "%7B").replace("}", "%7D"));
			} catch (IllegalArgumentException e) {
				reply = null;
			}
			if (reply == null || !("http".equalsIgnoreCase(reply.getScheme()) || "https".equalsIgnoreCase(reply.getScheme()))) {
				throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
						"the server's last Ack names no reply URL ('" + value + "'): it has no server application for upload-reply jobs", null);
			}
			return session.withReply(reply.toString(), -1);
		}

		/**
		 * Downloads the reply into the engine's own place for it, resuming with a range after what it holds; synced
		 * before the job becomes TRANSFERRED.
		 */
		/** @return the session, with the reply's length */
		private UploadSession receiveReply(UploadSession session) throws TransferFailure, Stopped, InterruptedException, IOException {
			Path temporary = transitions.replyTemporary(job);
			try (TemporaryFiles.Opened out = TemporaryFiles.open(temporary, null)) {
				FileChannel c = out.channel();
				long have = c.size();
				URI reply = URI.create(session.reply());
				if (session.replyLength() >= 0 && have == session.replyLength()) {
					c.force(true);
					return session;
				}
				HttpRequest.Builder b = HttpRequest.newBuilder(reply).GET().timeout(timeout).version(HttpClient.Version.HTTP_1_1);
				if (have > 0) {
					b.header("Range", "bytes=" + have + "-");
				}
				settings.authorize(b, reply, session.host() == null ? file.remote() : target(file.remote(), session.host()));
				HttpResponse<java.io.InputStream> r = sendFor(b.build(), HttpResponse.BodyHandlers.ofInputStream());
				try (java.io.InputStream body = r.body()) {
					long length;
					if (r.statusCode() == 206 && have > 0) {
						length = ResponsePlan.contentRangeTotal(r.headers());
						String range = r.headers().firstValue("Content-Range").orElse("");
						if (!range.startsWith("bytes " + have + "-")) {
							throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
									"the reply's range starts elsewhere: " + range, null, null);
						}
					} else if (r.statusCode() == 200) {
						have = 0;
						c.truncate(0);
						length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
					} else {
						throw ResponsePlan.httpStatus(r.statusCode(), r.headers());
					}
					transitions.checkpoint(job, file.index(), size, size, session.withReply(session.reply(), length).validator(), false);
					byte[] buffer = new byte[64 << 10];
					long at = have;
					for (int n; (n = body.read(buffer)) >= 0;) {
						if (run.stopRequested()) {
							c.force(false);
							throw new Stopped();
						}
						java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buffer, 0, n);
						while (bb.hasRemaining()) {
							at += c.write(bb, at);
						}
					}
					if (length >= 0 && at != length) {
						c.force(false);
						throw TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CONNECTION_ERROR,
								"the reply ended after " + at + " of " + length + " bytes", null, null);
					}
					c.force(true); // durable before TRANSFERRED
					return session.withReply(session.reply(), at);
				}
			}
		}

		private <T> HttpResponse<T> sendFor(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws TransferFailure, Stopped, InterruptedException {
			CompletableFuture<HttpResponse<T>> f = clients.client(settings.proxy()).sendAsync(request, handler);
			while (true) {
				try {
					return f.get(200, TimeUnit.MILLISECONDS);
				} catch (TimeoutException e) {
					if (run.stopRequested()) {
						f.cancel(true);
						throw new Stopped();
					}
				} catch (ExecutionException e) {
					throw HttpDownloader.failure(e.getCause());
				}
			}
		}

		/** Create-Session: the new session, kept with the job before any fragment is sent. */
		private UploadSession create() throws TransferFailure, Stopped, InterruptedException {
			if (++newSessions > MAX_NEW_SESSIONS) {
				throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_SESSION_NOT_FOUND,
						"the server keeps losing the upload's session", null, null);
			}
			HttpRequest.Builder b = request(file.remote(), "Create-Session", null, HttpRequest.BodyPublishers.noBody())
					.header("BITS-Supported-Protocols", PROTOCOL);
			String name = file.local().getFileName().toString();
			if (name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
				b.header("Content-Name", name);
			}
			HttpResponse<Void> r = send(b.build());
			if (r.statusCode() != 200 && r.statusCode() != 201) {
				throw failure(r);
			}
			ack(r);
			String protocol = r.headers().firstValue("BITS-Protocol").orElse(PROTOCOL);
			String id = r.headers().firstValue("BITS-Session-Id").orElse("");
			if (!protocol.trim().equalsIgnoreCase(PROTOCOL) || id.isBlank() || id.length() > 100 || id.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
				throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
						"the server's Create-Session Ack names protocol " + protocol + " and session '" + id + "'", null, null);
			}
			String host = r.headers().firstValue("BITS-Host-Id").map(String::trim).filter(h -> h.matches("[A-Za-z0-9.\\-\\[\\]:]+")).orElse(null);
			UploadSession session = new UploadSession(id.trim(), version, host, null, -1);
			transitions.checkpoint(job, file.index(), 0, size, session.validator(), false);
			if (host != null) {
				HttpResponse<Void> ping = send(packet(session, "Ping", HttpRequest.BodyPublishers.noBody()).build());
				if (ping.statusCode() != 200) {
					throw failure(ping);
				}
			}
			return session;
		}

		private HttpRequest.Builder packet(UploadSession session, String type, HttpRequest.BodyPublisher body) throws TransferFailure {
			HttpRequest.Builder b = request(target(file.remote(), session.host()), type, session.host(), body);
			return type.equals("Ping") ? b : b.header("BITS-Session-Id", session.id());
		}

		private HttpRequest.Builder request(URI to, String type, String host, HttpRequest.BodyPublisher body) {
			HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(to)).method(METHOD, body).timeout(timeout)
					.version(HttpClient.Version.HTTP_1_1) // the protocol is HTTP/1.1's ([MC-BUP] 2.2.1)
					.header("BITS-Packet-Type", type);
			// the server named its host id for the rest of the session: the job's credentials go there as to itself
			settings.authorize(b, to, host == null ? file.remote() : to);
			return b;
		}

		private HttpResponse<Void> send(HttpRequest request) throws TransferFailure, Stopped, InterruptedException {
			return sendFor(request, HttpResponse.BodyHandlers.discarding());
		}

		private void read(byte[] buffer, long offset, int length) throws IOException, TransferFailure {
			ByteBuffer b = ByteBuffer.wrap(buffer, 0, length);
			while (b.hasRemaining()) {
				if (in.read(b, offset + b.position()) < 0) {
					throw changed(file); // shorter than when the upload began
				}
			}
		}
	}

	/** Close-Session: the server puts the file in place; what {@code complete()} does for an upload. */
	void close(JobRecord job) {
		FileRecord file = job.files().get(0);
		UploadSession session = UploadSession.of(file.validator())
				.orElseThrow(() -> new TransferException(ErrorCodes.BG_E_INVALID_STATE, "upload job " + job.id() + " has no session on its server"));
		try {
			HttpResponse<Void> r = closing(job, file, session, "Close-Session");
			if (r.statusCode() != 200) {
				TransferFailure f = failure(r);
				throw new TransferException(f.code, "the server did not close the upload: " + f.getMessage());
			}
		} catch (IOException e) {
			throw new TransferException(ErrorCodes.E_CONNECTION_ERROR, "the server could not be told to close the upload: " + e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new TransferException(ErrorCodes.E_CONNECTION_ERROR, "interrupted while closing the upload");
		} catch (TransferFailure e) {
			throw new TransferException(e.code, e.getMessage());
		}
	}

	/** Cancel-Session, in the background: the server drops what it received; a failure only costs its disk space until the session expires. */
	void cancel(JobRecord job) {
		if (job.files().isEmpty()) {
			return;
		}
		FileRecord file = job.files().get(0);
		UploadSession.of(file.validator()).ifPresent(session -> background.execute(() -> {
			try {
				HttpResponse<Void> r = closing(job, file, session, "Cancel-Session");
				if (r.statusCode() != 200) {
					log.info("job {}: the server answered Cancel-Session with HTTP {}", job.id(), r.statusCode());
				}
			} catch (IOException | TransferFailure e) {
				log.info("job {}: the server could not be told to cancel the upload: {}", job.id(), e.toString());
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}));
	}

	private HttpResponse<Void> closing(JobRecord job, FileRecord file, UploadSession session, String type) throws IOException, InterruptedException, TransferFailure {
		URI to = target(file.remote(), session.host());
		HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(to)).method(METHOD, HttpRequest.BodyPublishers.noBody())
				.timeout(timeout).version(HttpClient.Version.HTTP_1_1).header("BITS-Packet-Type", type).header("BITS-Session-Id", session.id());
		RequestSettings settings = RequestSettings.of(job, file.index());
		settings.authorize(b, to, session.host() == null ? file.remote() : to);
		return clients.client(settings.proxy()).send(b.build(), HttpResponse.BodyHandlers.discarding());
	}

	/** The upload URL, on the host the server named for its session. */
	private static URI target(URI remote, String host) throws TransferFailure {
		if (host == null) {
			return remote;
		}
		try {
			return new URI(remote.getScheme(), remote.getRawUserInfo(), host, remote.getPort(), remote.getPath(), remote.getQuery(), null);
		} catch (URISyntaxException e) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE, "the server's host id " + host + " makes no URL", e);
		}
	}

	private Path source(Path local) throws TransferFailure {
		try {
			// checked when opened, by real path: a link placed under a root after the file was added leads nowhere else
			return FileRoots.openable(roots, local);
		} catch (UnsafeFileException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "the file to upload is refused: " + e.getMessage(), e);
		} catch (NoSuchFileException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_FILE_NOT_FOUND, "the file to upload, " + local + ", does not exist", e);
		} catch (IOException e) {
			throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "cannot read " + local + ": " + e, e);
		}
	}

	private static TransferFailure changed(FileRecord file) {
		return TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.BG_E_LOCAL_FILE_CHANGED,
				file.local() + " changed while it was uploaded; create the job again to upload it as it is now", null);
	}

	private static void ack(HttpResponse<Void> r) throws TransferFailure {
		if (!"ack".equalsIgnoreCase(r.headers().firstValue("BITS-Packet-Type").orElse("").trim())) {
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
					"HTTP " + r.statusCode() + " without BITS-Packet-Type: Ack: not a BITS upload server", null, null);
		}
	}

	/** @return the offset the server expects next; {@code otherwise} if the Ack does not say, or an error if that is -1 */
	private static long received(HttpResponse<Void> r, long otherwise) throws TransferFailure {
		ack(r);
		Optional<String> value = r.headers().firstValue("BITS-Received-Content-Range").map(String::trim);
		try {
			if (value.isPresent()) {
				return Long.parseLong(value.get());
			}
		} catch (NumberFormatException e) {
			// refused below
		}
		if (value.isEmpty() && otherwise >= 0) {
			return otherwise;
		}
		throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
				"HTTP " + r.statusCode() + " with BITS-Received-Content-Range '" + value.orElse("") + "'", null, null);
	}

	/** @return the Ack's BITS error: {@code BITS-Error-Code}, or the spec's {@code BITS-Error}; 0 for none */
	static int error(HttpHeaders headers) {
		String value = headers.firstValue("BITS-Error-Code").or(() -> headers.firstValue("BITS-Error")).orElse("").trim().toLowerCase(Locale.ROOT);
		value = value.startsWith("0x") ? value.substring(2) : value.startsWith("x") ? value.substring(1) : value;
		try {
			return value.isEmpty() ? 0 : (int) Long.parseLong(value, 16);
		} catch (NumberFormatException e) {
			return 0;
		}
	}

	/**
	 * An error Ack as the job's error: the server's BITS error if it gave one, else the HTTP status; the server
	 * application's (context 0x7) or the remote file's. As a BITS client treats a status: 5xx, 408, 409 and 429
	 * transient (not 501, 505), the rest fatal; and the errors no retry mends (too large, access denied, bad request)
	 * fatal whatever the status.
	 */
	private static TransferFailure failure(HttpResponse<Void> r) {
		int status = r.statusCode();
		int code = error(r.headers());
		boolean application = r.headers().firstValue("BITS-Error-Context").map(String::trim).map(c -> c.equalsIgnoreCase("0x7") || c.equals("7")).orElse(false);
		ErrorContext context = application ? ErrorContext.REMOTE_APPLICATION : ErrorContext.REMOTE_FILE;
		String description = "the server answered HTTP " + status + (code == 0 ? "" : " with BITS error " + ErrorCodes.hex(code));
		boolean hopeless = code == ErrorCodes.BG_E_TOO_LARGE || code == ErrorCodes.E_ACCESSDENIED || code == ErrorCodes.E_INVALIDARG;
		if (!hopeless && (status == 408 || status == 409 || status == 429 || status >= 500 && status != 501 && status != 505)) {
			return TransferFailure.transientError(context, code == 0 ? ErrorCodes.httpError(status) : code, description,
					ResponsePlan.retryAfter(r.headers()).orElse(null), null);
		}
		return TransferFailure.fatal(context, code == 0 ? ErrorCodes.httpError(status) : code, description, null);
	}
}
