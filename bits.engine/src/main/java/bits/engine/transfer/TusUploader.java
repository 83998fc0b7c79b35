package bits.engine.transfer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Executor;

import org.osgi.service.log.Logger;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.TusUpload;

/**
 * The client side of tus 1.0.0 (SPEC U5): creation ({@code POST} to the job's URL with {@code Upload-Length} and the
 * file's name in {@code Upload-Metadata}), then {@code PATCH}es of 8 MiB from the server's {@code Upload-Offset}, each
 * with its {@code Upload-Checksum} (sha1). The upload's URL is kept with the job, so that an upload resumes after any
 * interruption or restart from the offset a {@code HEAD} reports; an upload the server forgot is created anew. The
 * upload is whole at the server at its last byte (tus has no close); cancelling a job terminates it ({@code DELETE}).
 */
final class TusUploader {
	static final String VERSION = "1.0.0";
	static final int CHUNK = 8 << 20;
	/** As for BITS: the last PATCH's answer waits for the server's application, up to 5 minutes. */
	private static final Duration LEAST_TIMEOUT = Duration.ofMinutes(6);
	private static final int MIN_CHUNK = 64 << 10;
	private static final int MAX_NEW_UPLOADS = 3;

	private final HttpClients clients;
	private final JobTransitions transitions;
	private final Duration timeout;
	private final List<Path> roots;
	private final Executor background;
	private final Logger log;

	TusUploader(HttpClients clients, JobTransitions transitions, Duration readTimeout, List<Path> roots, Executor background, Logger log) {
		this.clients = clients;
		this.transitions = transitions;
		this.timeout = readTimeout.compareTo(LEAST_TIMEOUT) > 0 ? readTimeout : LEAST_TIMEOUT;
		this.roots = roots;
		this.background = background;
		this.log = log;
	}

	/** @return whether the server at {@code url} speaks tus 1.0.0, as its answer to {@code OPTIONS} says */
	boolean spokenAt(UUID job, FileRecord file, JobRun run) throws TransferFailure, Stopped, InterruptedException {
		RequestSettings settings = RequestSettings.of(transitions.job(job).orElseThrow(Stopped::new), file.index());
		HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(file.remote())).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
				.timeout(timeout);
		settings.authorize(b, file.remote(), file.remote());
		HttpResponse<Void> r = send(clients.client(settings.proxy()), b.build(), run);
		return r.headers().allValues("Tus-Version").stream().anyMatch(v -> List.of(v.split("\\s*,\\s*")).contains(VERSION));
	}

	void upload(UUID job, FileRecord file, JobRun run, Throttle throttle) throws TransferFailure, Stopped, InterruptedException {
		RequestSettings settings = RequestSettings.of(transitions.job(job).orElseThrow(Stopped::new), file.index());
		HttpClient client = clients.client(settings.proxy());
		try (UploadSource source = UploadSource.open(roots, file)) {
			long size = source.size();
			String version = source.version();
			Optional<TusUpload> kept = TusUpload.of(transitions.file(job, file.index()).validator());
			if (kept.isPresent() && !kept.get().version().equals(version)) {
				throw source.changed();
			}
			transitions.sizeAnnounced(job, file.index(), size);
			TusUpload upload = kept.orElse(null);
			long offset = -1;
			if (upload != null) {
				offset = offset(client, settings, file, upload, run);
				if (offset > size) {
					throw source.changed(); // the server holds more than the file has: not this version of it
				}
				if (offset > transitions.file(job, file.index()).bytesTransferred()) { // what a cut-off PATCH left there counts
					transitions.checkpoint(job, file.index(), offset, size, upload.validator(), offset == size);
				}
			}
			int created = 0;
			if (offset < 0) { // none yet, or the server forgot it
				upload = create(client, settings, file, size, version, run, ++created);
				offset = 0;
			}
			transitions.transferring(job);
			if (size == 0) {
				transitions.checkpoint(job, file.index(), 0, 0, upload.validator(), true);
				return;
			}
			byte[] buffer = new byte[(int) Math.min(CHUNK, size)];
			int chunk = CHUNK;
			while (offset < size) {
				if (run.stopRequested()) {
					throw new Stopped();
				}
				int length = (int) Math.min(chunk, size - offset);
				source.read(buffer, offset, length);
				throttle.acquire(length);
				URI at = URI.create(upload.location());
				HttpRequest.Builder patch = HttpRequest.newBuilder(at).method("PATCH", HttpRequest.BodyPublishers.ofByteArray(buffer, 0, length))
						.timeout(timeout).header("Tus-Resumable", VERSION).header("Content-Type", "application/offset+octet-stream")
						.header("Upload-Offset", Long.toString(offset));
				// no Upload-Checksum: with one, a PATCH cut off keeps none of its bytes (tus); without, the server keeps what
				// came, and the next try goes on from there (TCP and TLS check the bytes on the way)
				settings.authorize(patch, at, file.remote());
				HttpResponse<Void> r = send(client, patch.build(), run);
				int status = r.statusCode();
				if (status == 204 || status == 200) {
					OptionalLong next = r.headers().firstValueAsLong("Upload-Offset");
					if (next.isEmpty() || next.getAsLong() <= offset || next.getAsLong() > size) {
						throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
								"the tus server answered a PATCH at " + offset + " with Upload-Offset " + r.headers().firstValue("Upload-Offset").orElse("(none)"),
								null, null);
					}
					offset = next.getAsLong();
				} else if (status == 409) { // the server's bytes end elsewhere: ask where
					offset = offset(client, settings, file, upload, run);
					if (offset < 0) {
						upload = create(client, settings, file, size, version, run, ++created);
						offset = 0;
					}
				} else if (status == 404 || status == 410) {
					upload = create(client, settings, file, size, version, run, ++created);
					offset = 0;
				} else if (status == 413 && chunk > MIN_CHUNK) {
					chunk = Math.max(MIN_CHUNK, chunk / 2); // a body too large for the server (or a proxy before it): smaller PATCHes
				} else if (status == 423) {
					throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(423),
							"the tus server has the upload locked (423): another request to it is under way", ResponsePlan.retryAfter(r.headers()).orElse(null), null);
				} else if (status == 460) {
					throw TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CONNECTION_ERROR,
							"the tus server found the bytes at " + offset + " changed on their way (460 Checksum Mismatch)", null, null);
				} else {
					throw ResponsePlan.httpStatus(status, r.headers());
				}
				transitions.received(job, file.index(), offset);
				transitions.checkpoint(job, file.index(), offset, size, upload.validator(), offset == size);
			}
		}
	}

	/** Creation: the new upload's URL, kept with the job before any byte is sent. */
	private TusUpload create(HttpClient client, RequestSettings settings, FileRecord file, long size, String version, JobRun run, int count)
			throws TransferFailure, Stopped, InterruptedException {
		if (count > MAX_NEW_UPLOADS) {
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_SESSION_NOT_FOUND, "the tus server keeps losing the upload",
					null, null);
		}
		String name = Base64.getEncoder().encodeToString(file.local().getFileName().toString().getBytes(StandardCharsets.UTF_8));
		HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(file.remote())).POST(HttpRequest.BodyPublishers.noBody())
				.timeout(timeout).header("Tus-Resumable", VERSION).header("Upload-Length", Long.toString(size))
				.header("Upload-Metadata", "filename " + name);
		settings.authorize(b, file.remote(), file.remote());
		HttpResponse<Void> r = send(client, b.build(), run);
		Optional<String> location = r.headers().firstValue("Location");
		if (r.statusCode() != 201 || location.isEmpty()) {
			if (r.statusCode() == 201 || r.statusCode() / 100 == 2) {
				throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
						"the tus server created the upload without a Location", null, null);
			}
			throw ResponsePlan.httpStatus(r.statusCode(), r.headers());
		}
		URI at;
		try {
			at = file.remote().resolve(location.get().trim());
		} catch (IllegalArgumentException e) {
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
					"the tus server's Location is not a URL: " + location.get(), null, null);
		}
		TusUpload upload = new TusUpload(at.toString(), version);
		transitions.checkpoint(run.job, file.index(), 0, size, upload.validator(), false);
		return upload;
	}

	/** @return the offset the server holds ({@code HEAD}), or -1 if it has no such upload */
	private long offset(HttpClient client, RequestSettings settings, FileRecord file, TusUpload upload, JobRun run)
			throws TransferFailure, Stopped, InterruptedException {
		URI at = URI.create(upload.location());
		HttpRequest.Builder b = HttpRequest.newBuilder(at).method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(timeout)
				.header("Tus-Resumable", VERSION);
		settings.authorize(b, at, file.remote());
		HttpResponse<Void> r = send(client, b.build(), run);
		if (r.statusCode() == 404 || r.statusCode() == 410 || r.statusCode() == 403) {
			return -1;
		}
		if (r.statusCode() != 200 && r.statusCode() != 204) {
			throw ResponsePlan.httpStatus(r.statusCode(), r.headers());
		}
		long offset = r.headers().firstValueAsLong("Upload-Offset").orElseThrow(() -> TransferFailure.transientError(ErrorContext.REMOTE_FILE,
				ErrorCodes.BG_E_INVALID_SERVER_RESPONSE, "the tus server's HEAD has no Upload-Offset", null, null));
		OptionalLong length = r.headers().firstValueAsLong("Upload-Length");
		if (offset < 0 || length.isPresent() && offset > length.getAsLong()) {
			throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
					"the tus server's HEAD says Upload-Offset " + offset + " of Upload-Length " + length, null, null);
		}
		return offset;
	}

	/** Termination, in the background: the server drops the upload; a failure only costs its disk space. */
	void cancel(JobRecord job) {
		if (job.files().isEmpty()) {
			return;
		}
		FileRecord file = job.files().get(0);
		TusUpload.of(file.validator()).ifPresent(upload -> background.execute(() -> {
			try {
				URI at = URI.create(upload.location());
				HttpRequest.Builder b = HttpRequest.newBuilder(at).DELETE().timeout(timeout).header("Tus-Resumable", VERSION);
				RequestSettings settings = RequestSettings.of(job, file.index());
				settings.authorize(b, at, file.remote());
				HttpResponse<Void> r = clients.client(settings.proxy()).send(b.build(), HttpResponse.BodyHandlers.discarding());
				if (r.statusCode() != 204 && r.statusCode() != 404 && r.statusCode() != 410) {
					log.info("job {}: the tus server answered the termination with HTTP {}", job.id(), r.statusCode());
				}
			} catch (IOException | IllegalArgumentException e) {
				log.info("job {}: the tus server could not be told to terminate the upload: {}", job.id(), e.toString());
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}));
	}

	private HttpResponse<Void> send(HttpClient client, HttpRequest request, JobRun run) throws TransferFailure, Stopped, InterruptedException {
		return Awaiting.packet(clients.send(client, request, HttpResponse.BodyHandlers.discarding()), run, null, timeout);
	}
}
