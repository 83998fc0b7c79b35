package bits.engine.transfer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import javax.net.ssl.SSLException;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.RedirectPolicy;
import bits.engine.jobs.JobTransitions;
import bits.engine.model.FileRecord;

/**
 * Downloads one file over HTTP(S) into its temporary file, resuming with {@code Range} guarded by {@code If-Range}
 * (SPEC J4, J6), following redirects under the job's policy, and turning every failure into a {@link TransferFailure}
 * (SPEC J5).
 */
final class HttpDownloader {
	private static final int MAX_RESTARTS = 3;
	/**
	 * The most interruptions that one download (one try of the job) resumes in place; the next one is the job's (recorded, and
	 * retried by the run as SPEC J8 says), so that a server that cuts every response short is still seen.
	 */
	static final int MAX_RESUMES_IN_PLACE = 100;

	private final HttpClients clients;
	private final JobTransitions transitions;
	private final Duration readTimeout;
	private final int maxRedirects;

	HttpDownloader(HttpClients clients, JobTransitions transitions, Duration readTimeout, int maxRedirects) {
		this.clients = clients;
		this.transitions = transitions;
		this.readTimeout = readTimeout;
		this.maxRedirects = maxRedirects;
	}

	void download(UUID job, FileRecord file, JobRun run, DataSink sink) throws TransferFailure, Stopped, InterruptedException {
		RequestSettings settings = RequestSettings.of(transitions.job(job).orElseThrow(Stopped::new), file.index());
		sink.limit(settings.sizeLimit());
		long offset = sink.durableLength();
		FileRecord now = transitions.file(job, file.index());
		String storedValidator = offset == 0 ? null : now.validator();
		long storedTotal = now.bytesTotal();
		if (storedValidator == null) {
			// without a validator nothing tells whether the remote content is still the version of the bytes kept: a
			// resume could join two versions, so the file starts again from byte 0 (J6)
			offset = 0;
		}
		URI uri = file.remote();
		int redirects = 0;
		int restarts = 0;
		int resumes = 0;
		while (true) {
			HttpRequest request = request(uri, offset, storedValidator, settings, file.remote());
			Exchange exchange = new Exchange(sink, transitions, job, offset, storedValidator, storedTotal, settings.background(),
					settings.sizeLimit());
			TransferFailure cutOff = null;
			try {
				await(clients.send(settings.proxy(), request, exchange), exchange, sink, run);
			} catch (CutOff c) {
				// the body's thread may still be in a write when the exchange is seen to fail (HTTP/2 on JDK 17 fails it
				// without waiting): this waits for that write, after which nothing more is written
				exchange.abort(c.failure);
				cutOff = c.failure;
			} catch (TransferFailure f) {
				throw recorded(f, sink);
			}
			ResponsePlan plan = exchange.plan();
			if (cutOff == null && plan.kind() == ResponsePlan.Kind.WRITE && plan.total() >= 0 && sink.position() != plan.total()) {
				cutOff = TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CONNECTION_ERROR,
						"the response ended after " + sink.position() + " of " + plan.total() + " bytes", null, null);
			}
			if (cutOff != null) {
				if (!resumesInPlace(plan, sink, ++resumes)) {
					throw recorded(cutOff, sink);
				}
				offset = sink.position();
				storedValidator = plan.validator();
				storedTotal = plan.total();
				uri = file.remote(); // as a new try would: a redirect's target may have been for one request only
				redirects = 0;
				continue;
			}
			switch (plan.kind()) {
			case WRITE -> {
				sink.finish(run.group());
				return;
			}
			case COMPLETE -> {
				sink.startAt(offset, offset, storedValidator);
				sink.finishAsIs(run.group());
				return;
			}
			case RESTART -> {
				if (++restarts > MAX_RESTARTS) {
					throw TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_REMOTE_FILE_CHANGED,
							"the remote file keeps changing while it is transferred", null, null);
				}
				sink.startAt(0, -1, null);
				offset = 0;
				storedValidator = null;
			}
			case REDIRECT -> {
				uri = redirect(uri, exchange.status(), exchange.headers(), settings.redirectPolicy(), ++redirects);
			}
			case FAIL -> {
				if (plan.total() >= 0) {
					sink.sizeKnown(plan.total());
				}
				throw recorded(plan.failure(), sink);
			}
			}
		}
	}

	/**
	 * Whether a response cut off after it brought data is followed at once by a request for the rest, on the same
	 * temporary file, without a checkpoint or a change of the job's state (SPEC J8: an interruption after progress is
	 * retried at once): the sync and the two recorded states would cost more than the reconnection. Only with a
	 * validator, which the request for the rest sends in If-Range (J6).
	 */
	private static boolean resumesInPlace(ResponsePlan plan, DataSink sink, int resumes) {
		return plan != null && plan.kind() == ResponsePlan.Kind.WRITE && plan.validator() != null && sink.position() > plan.offset()
				&& resumes <= MAX_RESUMES_IN_PLACE;
	}

	/**
	 * @return {@code f}, once the bytes that did arrive are recorded: the next try resumes after them and counts them as
	 *         progress (SPEC J8); a local failure records nothing, as the file is what failed
	 */
	private static TransferFailure recorded(TransferFailure f, DataSink sink) throws TransferFailure {
		if (f.context != ErrorContext.LOCAL_FILE && sink.unrecorded()) {
			sink.checkpoint(false);
		}
		return f;
	}

	/** A response cut off by the transport once its body had begun: the download may go on from where it stopped. */
	private static final class CutOff extends Exception {
		private static final long serialVersionUID = 1L;
		final transient TransferFailure failure;

		CutOff(TransferFailure failure) {
			super(failure.getMessage(), null, false, false);
			this.failure = failure;
		}
	}

	private URI redirect(URI from, int status, HttpHeaders headers, RedirectPolicy policy, int count) throws TransferFailure {
		String location = headers.firstValue("Location").orElse(null);
		if (location == null) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(status),
					"the server answered HTTP " + status + " without a Location", null);
		}
		URI to = from.resolve(location);
		if (policy == RedirectPolicy.DISALLOW) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_REDIRECT_FAILED,
					"the server redirected to " + to + ", and the job's redirect policy is DISALLOW", null);
		}
		if ("https".equalsIgnoreCase(from.getScheme()) && "http".equalsIgnoreCase(to.getScheme()) && policy != RedirectPolicy.ALLOW_HTTPS_TO_HTTP) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_REDIRECT_FAILED,
					"the server redirected from https to " + to + "; set the redirect policy ALLOW_HTTPS_TO_HTTP to allow it", null);
		}
		if (count > maxRedirects) {
			throw TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.E_REDIRECT_FAILED,
					"more than " + maxRedirects + " redirects (last to " + to + "): a redirect loop?", null);
		}
		return to;
	}

	private HttpRequest request(URI uri, long offset, String validator, RequestSettings s, URI original) {
		HttpRequest.Builder b = HttpRequest.newBuilder(Transports.withoutFragment(uri)).GET().timeout(readTimeout);
		if ("http".equalsIgnoreCase(uri.getScheme())) {
			// plain http stays HTTP/1.1: the client's HTTP/2 would ask every server to upgrade (h2c), which few do
			b.version(HttpClient.Version.HTTP_1_1);
		}
		s.authorize(b, uri, original);
		if (offset > 0 || s.background()) {
			// a background job asks for a range even from byte 0: a server that ignores it is found at once (J4)
			b.header("Range", "bytes=" + offset + "-");
			if (offset > 0 && validator != null) {
				b.header("If-Range", validator);
			}
		}
		return b.build();
	}

	/** Waits for the exchange, watching for a stop request and for a body that stalls past the read timeout. */
	private HttpResponse<Void> await(Future<HttpResponse<Void>> future, Exchange exchange, DataSink sink, JobRun run)
			throws TransferFailure, CutOff, Stopped, InterruptedException {
		long timeout = readTimeout.toNanos();
		try {
			return Awaiting.response(future, run, () -> exchange.bodyStarted() && System.nanoTime() - sink.lastActivityNanos() > timeout,
					readTimeout, reason -> {
						// the body stops now: the bytes that did arrive, of this response or one cut off before, are good
						if (exchange.abort(reason) || sink.unrecorded()) {
							sink.checkpoint(false);
						}
					});
		} catch (ExecutionException e) {
			ResponsePlan decided = exchange.plan();
			if (decided != null && decided.kind() != ResponsePlan.Kind.WRITE && !exchange.bodyStarted()) {
				return null; // the headers said all (a redirect, an error): the body was cut off, which HTTP/2 reports as a failure
			}
			TransferFailure f = failure(e.getCause());
			// a stall is not resumed in place: it cost a read timeout already, and shows as the job's transient error
			if (exchange.bodyStarted() && f.transientFailure && f.context == ErrorContext.GENERAL_TRANSPORT && f.code != ErrorCodes.E_TIMEOUT) {
				throw new CutOff(f);
			}
			throw f;
		}
	}

	/** What a failed exchange means for the job: the client's exceptions as BITS errors. */
	static TransferFailure failure(Throwable t) throws Stopped, InterruptedException {
		if (t.getClass() == IOException.class && t.getCause() != null) {
			t = t.getCause(); // the client's send() wraps what it does not copy (an EOF, a closed channel) in a plain IOException
		}
		if (t instanceof Stopped s) {
			throw s;
		}
		if (t instanceof InterruptedException i) {
			throw i;
		}
		if (t instanceof TransferFailure f) {
			return f;
		}
		if (t instanceof IOException && t.getCause() instanceof TransferFailure f) {
			return f;
		}
		Optional<RuntimeException> unrecorded = JobTransitions.recordingFailure(t);
		if (unrecorded.isPresent()) { // recording failed, not the transfer: the run abandons it (JobRun)
			throw unrecorded.get();
		}
		String what = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
		if (t instanceof HttpConnectTimeoutException) {
			return TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_TIMEOUT, "connecting timed out", null, t);
		}
		if (t instanceof HttpTimeoutException) {
			return TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_TIMEOUT, "the server did not answer in time", null, t);
		}
		if (t instanceof ConnectException || t instanceof UnknownHostException) {
			return TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CANNOT_CONNECT, "cannot connect: " + what, null, t);
		}
		if (t instanceof SSLException) {
			return TransferFailure.fatal(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_SECURE_FAILURE, "TLS failed: " + what, t);
		}
		if (t instanceof IOException) {
			return TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CONNECTION_ERROR, "the connection failed: " + what, null, t);
		}
		return TransferFailure.transientError(ErrorContext.UNKNOWN, ErrorCodes.E_CONNECTION_ERROR, what, null, t);
	}
}
