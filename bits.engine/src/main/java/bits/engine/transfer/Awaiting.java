package bits.engine.transfer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;

/**
 * The wait for an exchange's response that every transfer shares (downloads, upload packets, replies): it wakes every
 * 200 ms to see whether the job was asked to stop and whether the body has stalled, since the client's own request
 * timeout ends once the headers have come.
 */
final class Awaiting {
	private static final long WAKE_MILLIS = 200;

	private Awaiting() {
	}

	/** Ends an exchange the wait gives up on, before the exchange is cancelled. */
	@FunctionalInterface
	interface Ending {
		void end(Throwable reason) throws TransferFailure;
	}

	/** @return a stall test: {@code progress} has not moved for {@code timeout} */
	static BooleanSupplier noProgressFor(LongSupplier progress, Duration timeout) {
		return new BooleanSupplier() {
			private long seen = progress.getAsLong();
			private long since = System.nanoTime();

			@Override
			public boolean getAsBoolean() {
				long now = progress.getAsLong();
				if (now != seen) {
					seen = now;
					since = System.nanoTime();
					return false;
				}
				return System.nanoTime() - since > timeout.toNanos();
			}
		};
	}

	/** @return the failure of a body that stalled */
	static TransferFailure stalled(Duration timeout) {
		return TransferFailure.transientError(ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_TIMEOUT, "no data for " + timeout.toSeconds() + " s", null,
				null);
	}

	/**
	 * Waits for {@code exchange}. A stop request or a stall ends it ({@code ending}, then the exchange is cancelled) and is
	 * thrown: {@link Stopped}, or the stall's transient failure.
	 *
	 * @param stalled asked at each wake; {@code null} when only the request's own timeout applies
	 * @throws ExecutionException the exchange's own failure, for the caller to read
	 */
	static <T> HttpResponse<T> response(Future<HttpResponse<T>> exchange, JobRun run, BooleanSupplier stalled, Duration timeout,
			Ending ending) throws ExecutionException, TransferFailure, Stopped, InterruptedException {
		while (true) {
			try {
				return exchange.get(WAKE_MILLIS, TimeUnit.MILLISECONDS);
			} catch (InterruptedException e) {
				exchange.cancel(true); // nobody waits for it any more
				throw e;
			} catch (TimeoutException e) {
				Exception reason = run.stopRequested() ? new Stopped() : stalled != null && stalled.getAsBoolean() ? stalled(timeout) : null;
				if (reason != null) {
					try {
						ending.end(reason);
					} finally {
						exchange.cancel(true);
					}
					if (reason instanceof Stopped s) {
						throw s;
					}
					throw (TransferFailure) reason;
				}
			}
		}
	}

	/** {@link #response} for an upload's packet: the exchange's failure as the job's. */
	static <T> HttpResponse<T> packet(Future<HttpResponse<T>> exchange, JobRun run, BooleanSupplier stalled, Duration timeout)
			throws TransferFailure, Stopped, InterruptedException {
		try {
			return response(exchange, run, stalled, timeout, reason -> {
			});
		} catch (ExecutionException e) {
			throw HttpDownloader.failure(e.getCause());
		}
	}
}
