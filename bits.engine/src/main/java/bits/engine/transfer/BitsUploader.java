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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import org.osgi.service.log.Logger;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.files.DurableFiles;
import bits.engine.files.TemporaryFiles;
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
	/**
	 * The least wait for an Ack: BITS's client waits 5 minutes for a response, and a server hands the last fragment to
	 * its application for up to 5 minutes before it answers.
	 */
	private static final Duration LEAST_TIMEOUT = Duration.ofMinutes(6);
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
		try (UploadSource source = UploadSource.open(roots, file)) {
			if (source.size() == 0) {
				throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, ErrorCodes.E_INVALIDARG,
						file.local() + " is empty: the BITS upload protocol sends a file in fragments of at least one byte", null);
			}
			Optional<UploadSession> kept = UploadSession.of(transitions.file(job, file.index()).validator());
			if (kept.isPresent() && !kept.get().version().equals(source.version())) {
				throw source.changed();
			}
			JobType type = transitions.job(job).orElseThrow(Stopped::new).type();
			new Run(job, type, file, run, settings, throttle, source).upload(kept.orElse(null));
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
		private final UploadSource source;
		private final long size;
		private final String version;
		private int fragment = FIRST_FRAGMENT;
		private int newSessions;

		Run(UUID job, JobType type, FileRecord file, JobRun run, RequestSettings settings, Throttle throttle, UploadSource source) {
			this.job = job;
			this.type = type;
			this.file = file;
			this.run = run;
			this.settings = settings;
			this.throttle = throttle;
			this.source = source;
			this.size = source.size();
			this.version = source.version();
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
			while (true) {
				offset = fragments(session, offset, probe, buffer);
				session = this.session;
				if (type != JobType.UPLOAD_REPLY) {
					return;
				}
				if (session.reply() == null) {
					UploadSession named = askForReply(session, buffer);
					if (named == null) { // the session is gone meanwhile: a new one, from byte 0
						session = create();
						offset = 0;
						probe = false;
						continue;
					}
					session = named;
				}
				session = receiveReply(session);
				transitions.checkpoint(job, file.index(), size, size, session.validator(), true);
				return;
			}
		}

		/** The session as the fragments left it (a lost one is replaced). */
		private UploadSession session;

		/** Sends fragments from {@code offset} until the server holds every byte; @return the size */
		private long fragments(UploadSession start, long from, boolean firstProbe, byte[] buffer) throws TransferFailure, Stopped, InterruptedException, IOException {
			UploadSession session = start;
			long offset = from;
			boolean probe = firstProbe;
			while (offset < size) {
				if (run.stopRequested()) {
					throw new Stopped();
				}
				int length = probe ? 1 : (int) Math.min(fragment, size - offset);
				probe = false;
				source.read(buffer, offset, length);
				throttle.acquire(length);
				HttpResponse<Void> r;
				try {
					r = send(packet(session, "Fragment", HttpRequest.BodyPublishers.ofByteArray(buffer, 0, length))
							.header("Content-Range", "bytes " + offset + "-" + (offset + length - 1) + "/" + size).build());
					if (session.host() != null) {
						session = session.hostAnsweredAt(System.currentTimeMillis()); // kept with the fragment's checkpoint
					}
				} catch (TransferFailure f) {
					if (f.context != ErrorContext.GENERAL_TRANSPORT || !session.hostFallenBack(System.currentTimeMillis())) {
						throw f; // a retry of the job tries the host id again, until its fallback timeout has passed
					}
					// the host id has not answered for its fallback timeout: the origin again, as BITS does
					log.info("job {}: the server's host id {} has not answered for {} s; the upload goes to {}", job, session.host(),
							session.fallbackSeconds(), file.remote());
					session = session.atOrigin();
					transitions.checkpoint(job, file.index(), offset, size, session.validator(), false);
					probe = true; // the origin's offset may differ
					continue;
				}
				int status = r.statusCode();
				if (status == 200 || status == 416) {
					long next = received(r, status == 200 ? offset + length : -1);
					if (next < 0 || next > size) {
						throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the server says it holds " + next + " bytes of a file of " + size, null, null);
					}
					if (status == 416 ? next == offset : next <= offset) {
						// a 416 at the offset it asks for, or a 200 that took nothing: no progress would ever be made
						throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the server answered the fragment at " + offset + " with HTTP " + status + " and offset " + next, null, null);
					}
					offset = next;
					if (offset == size && type == JobType.UPLOAD_REPLY && status == 200 && r.headers().firstValue("BITS-Reply-URL").isPresent()) {
						session = replyNamed(r, session); // else (a 416: the last Ack was lost) asked for after the fragments
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
			this.session = session;
			return offset;
		}

		/**
		 * The server holds every byte but the job has no reply URL (the last Ack was lost with its connection): the last
		 * byte again, whose Ack carries it.
		 *
		 * @return the session with its reply, or null if the server lost the session
		 */
		private UploadSession askForReply(UploadSession session, byte[] buffer) throws TransferFailure, Stopped, InterruptedException, IOException {
			source.read(buffer, size - 1, 1);
			HttpResponse<Void> r = send(packet(session, "Fragment", HttpRequest.BodyPublishers.ofByteArray(buffer, 0, 1))
					.header("Content-Range", "bytes " + (size - 1) + "-" + (size - 1) + "/" + size).build());
			if (r.statusCode() != 200 && error(r.headers()) == ErrorCodes.BG_E_SESSION_NOT_FOUND) {
				return null;
			}
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
			long limit = transitions.job(job).map(j -> j.settings().maxDownloadSize()).orElse(0L);
			try (TemporaryFiles.Opened out = TemporaryFiles.open(temporary, null)) {
				FileChannel c = out.channel();
				long have = c.size();
				URI reply = URI.create(session.reply());
				if (session.replyLength() >= 0 && have == session.replyLength()) {
					c.force(true);
					DurableFiles.syncDirectory(temporary.getParent());
					return session;
				}
				HttpRequest.Builder b = HttpRequest.newBuilder(reply).GET().timeout(timeout).version(HttpClient.Version.HTTP_1_1);
				if (have > 0) {
					b.header("Range", "bytes=" + have + "-");
				}
				settings.authorize(b, reply, file.remote());
				ReplyBody body = new ReplyBody(c, have, limit);
				HttpResponse<Void> r = sendFor(b.build(), body, body::position);
				if (body.refused != null) {
					throw body.refused;
				}
				if (body.written != null) { // the local file, not the transfer
					boolean full = String.valueOf(body.written.getMessage()).contains("No space left");
					throw TransferFailure.fatal(ErrorContext.LOCAL_FILE, full ? ErrorCodes.E_DISK_FULL : ErrorCodes.E_ACCESSDENIED,
							"cannot write the reply to " + temporary + ": " + body.written.getMessage(), body.written);
				}
				long length = body.length;
				long at = body.position();
				if (r.statusCode() != 200 && r.statusCode() != 206) {
					throw ResponsePlan.httpStatus(r.statusCode(), r.headers());
				}
				c.force(true);
				UploadSession known = session.withReply(session.reply(), length >= 0 ? length : at);
				transitions.checkpoint(job, file.index(), size, size, known.validator(), false);
				if (length >= 0 && at != length) {
					throw TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CONNECTION_ERROR,
							"the reply ended after " + at + " of " + length + " bytes", null, null);
				}
				DurableFiles.syncDirectory(temporary.getParent()); // its name durable too, before TRANSFERRED
				return known;
			}
		}

		private <T> HttpResponse<T> sendFor(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws TransferFailure, Stopped, InterruptedException {
			return sendFor(request, handler, null);
		}

		/**
		 * Sends a request and waits for its response, watching for a stop request; with {@code progress}, also for a
		 * body that stalls past the timeout (the request's own timeout ends with the headers).
		 */
		private <T> HttpResponse<T> sendFor(HttpRequest request, HttpResponse.BodyHandler<T> handler, LongSupplier progress)
				throws TransferFailure, Stopped, InterruptedException {
			return Awaiting.packet(clients.send(settings.proxy(), request, handler), run,
					progress == null ? null : Awaiting.noProgressFor(progress, timeout), timeout);
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
			long fallback = r.headers().firstValueAsLong("BITS-Host-Id-Fallback-Timeout").stream().filter(t -> t > 0 && t < 0xFFFFFFFFL)
					.findFirst().orElse(0);
			UploadSession session = new UploadSession(id.trim(), version, host, null, -1, fallback, System.currentTimeMillis());
			if (host != null && !reachable(session)) {
				session = session.atOrigin(); // as after BITS's host-id fallback
			}
			transitions.checkpoint(job, file.index(), 0, size, session.validator(), false);
			return session;
		}

		/** A Ping to the server's host id: whether it answers there. */
		private boolean reachable(UploadSession session) throws Stopped, InterruptedException {
			try {
				return send(packet(session, "Ping", HttpRequest.BodyPublishers.noBody()).build()).statusCode() == 200;
			} catch (TransferFailure e) {
				log.info("job {}: the server's host id {} does not answer ({}); the upload goes to {}", job, session.host(), e.getMessage(), file.remote());
				return false;
			}
		}

		private HttpRequest.Builder packet(UploadSession session, String type, HttpRequest.BodyPublisher body) throws TransferFailure {
			HttpRequest.Builder b = request(target(file.remote(), session.host()), type, session.host(), body);
			return type.equals("Ping") ? b : b.header("BITS-Session-Id", session.id());
		}

		private HttpRequest.Builder request(URI to, String type, String host, HttpRequest.BodyPublisher body) {
			HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(to)).method(METHOD, body).timeout(timeout)
					.version(HttpClient.Version.HTTP_1_1) // the protocol is HTTP/1.1's ([MC-BUP] 2.2.1)
					.header("BITS-Packet-Type", type);
			// a host id is another origin, as a redirect's: the job's credentials and headers go to the origin it named only
			settings.authorize(b, to, file.remote());
			return b;
		}

		private HttpResponse<Void> send(HttpRequest request) throws TransferFailure, Stopped, InterruptedException {
			return sendFor(request, HttpResponse.BodyHandlers.discarding());
		}
	}

	/**
	 * A reply's body, written to its file as it comes, by the client's threads: a 206 after the bytes held, or a 200 from
	 * byte 0; anything else is not written. What went wrong is kept for the run to throw.
	 */
	private static final class ReplyBody implements HttpResponse.BodyHandler<Void> {
		private final FileChannel channel;
		private final long have;
		private final long limit;
		private final java.util.concurrent.atomic.AtomicLong at = new java.util.concurrent.atomic.AtomicLong();
		volatile long length = -1;
		volatile TransferFailure refused;
		volatile IOException written;

		ReplyBody(FileChannel channel, long have, long limit) {
			this.channel = channel;
			this.have = have;
			this.limit = limit;
			at.set(have);
		}

		long position() {
			return at.get();
		}

		@Override
		public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
			try {
				if (info.statusCode() == 206 && have > 0) {
					String range = info.headers().firstValue("Content-Range").orElse("");
					if (!range.startsWith("bytes " + have + "-")) {
						refused = TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the reply's range starts elsewhere: " + range, null, null);
						return HttpResponse.BodySubscribers.replacing(null);
					}
					length = ResponsePlan.contentRangeTotal(info.headers());
				} else if (info.statusCode() == 200) {
					channel.truncate(0);
					at.set(0);
					length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
				} else {
					return HttpResponse.BodySubscribers.replacing(null);
				}
			} catch (IOException e) {
				written = e;
				return HttpResponse.BodySubscribers.replacing(null);
			}
			if (limit > 0 && length > limit) {
				refused = TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED,
						"the reply has " + length + " bytes, more than the job's maximum download size " + limit, null);
				return HttpResponse.BodySubscribers.replacing(null);
			}
			return HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(bytes -> {
				if (written != null || refused != null) {
					return;
				}
				if (limit > 0 && at.get() + bytes.length > limit) {
					refused = TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED,
							"the reply is longer than the job's maximum download size " + limit, null);
					return;
				}
				try {
					java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
					long p = at.get();
					while (b.hasRemaining()) {
						p += channel.write(b, p);
					}
					at.set(p);
				} catch (IOException e) {
					written = e;
				}
			}));
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
		settings.authorize(b, to, file.remote());
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
