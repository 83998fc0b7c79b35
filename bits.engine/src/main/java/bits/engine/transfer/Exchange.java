package bits.engine.transfer;

import java.net.http.HttpResponse.BodyHandler;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.engine.jobs.JobTransitions;

/**
 * One request/response of a file's download: decides from the status and headers what the response means
 * ({@link ResponsePlan}) and, when it carries the file's data, positions the sink and streams the body into it.
 */
final class Exchange implements BodyHandler<Void> {
	private final DataSink sink;
	private final JobTransitions transitions;
	private final UUID job;
	private final long offset;
	private final String storedValidator;
	private final long storedTotal;
	private final boolean background;
	private final long sizeLimit;
	private volatile ResponsePlan plan;
	private volatile java.net.http.HttpHeaders headers;
	private volatile int status;
	private volatile SinkSubscriber subscriber;
	private volatile Throwable aborted;

	/** @param sizeLimit the most bytes this file may have under the job's maximum download size, or -1 */
	Exchange(DataSink sink, JobTransitions transitions, UUID job, long offset, String storedValidator, long storedTotal, boolean background,
			long sizeLimit) {
		this.storedTotal = storedTotal;
		this.sink = sink;
		this.transitions = transitions;
		this.job = job;
		this.offset = offset;
		this.storedValidator = storedValidator;
		this.background = background;
		this.sizeLimit = sizeLimit;
	}

	@Override
	public synchronized BodySubscriber<Void> apply(ResponseInfo info) {
		ResponsePlan p = ResponsePlan.decide(info.statusCode(), info.headers(), offset, storedValidator, storedTotal, background);
		if (p.kind() == ResponsePlan.Kind.WRITE && sizeLimit >= 0 && p.total() > sizeLimit) {
			p = new ResponsePlan(ResponsePlan.Kind.FAIL, 0, -1, null, TransferFailure.fatal(ErrorContext.REMOTE_FILE,
					ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED, "the file is " + p.total()
							+ " bytes, more than the job's maximum download size allows (" + sizeLimit + " bytes left)", null));
		}
		headers = info.headers();
		status = info.statusCode();
		plan = p; // last: a reader that sees the plan sees the status and headers it was made from
		if (aborted != null || p.kind() != ResponsePlan.Kind.WRITE) {
			// the status and headers say all there is to know: a body that would only be waited for (an error page
			// that never arrives, a whole file a background job cannot use) is cut off, at the cost of the connection
			return new Cutoff();
		}
		try {
			sink.startAt(p.offset(), p.total(), p.validator());
		} catch (TransferFailure f) {
			plan = new ResponsePlan(ResponsePlan.Kind.FAIL, 0, -1, null, f);
			return BodySubscribers.replacing(null);
		}
		transitions.transferring(job);
		subscriber = new SinkSubscriber(sink);
		return subscriber;
	}

	/** @return the response's status, once it answered */
	int status() {
		return status;
	}

	ResponsePlan plan() {
		return plan;
	}

	/** @return the response's headers, once it answered */
	java.net.http.HttpHeaders headers() {
		return headers;
	}

	boolean bodyStarted() {
		return subscriber != null;
	}

	/** Aborts the exchange; @return whether a body was being received (and has now stopped) */
	synchronized boolean abort(Throwable reason) {
		aborted = reason;
		SinkSubscriber s = subscriber;
		if (s != null) {
			s.abort(reason);
			return true;
		}
		return false;
	}

	/** Cancels a body nobody wants, such as a whole 2 GiB file a background job cannot use. */
	private static final class Cutoff implements BodySubscriber<Void> {
		private final CompletableFuture<Void> body = new CompletableFuture<>();

		@Override
		public CompletionStage<Void> getBody() {
			return body;
		}

		@Override
		public void onSubscribe(Flow.Subscription s) {
			s.cancel();
			body.complete(null);
		}

		@Override
		public void onNext(List<ByteBuffer> item) {
		}

		@Override
		public void onError(Throwable t) {
			body.complete(null);
		}

		@Override
		public void onComplete() {
			body.complete(null);
		}
	}
}
