package bits.engine.transfer;

import java.nio.ByteBuffer;
import java.net.http.HttpResponse.BodySubscriber;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Receives a response body straight into a {@link DataSink}, one batch of buffers at a time (the copy loop:
 * the client's buffers are written to the file without another copy). Can be aborted from another thread; after
 * {@link #abort} returns, it writes nothing more.
 */
final class SinkSubscriber implements BodySubscriber<Void> {
	private final DataSink sink;
	private final CompletableFuture<Void> result = new CompletableFuture<>();
	private Flow.Subscription subscription;
	private boolean done;

	SinkSubscriber(DataSink sink) {
		this.sink = sink;
	}

	@Override
	public CompletionStage<Void> getBody() {
		return result;
	}

	@Override
	public synchronized void onSubscribe(Flow.Subscription s) {
		subscription = s;
		if (done) {
			s.cancel();
		} else {
			s.request(1);
		}
	}

	@Override
	public void onNext(List<ByteBuffer> items) {
		synchronized (this) {
			if (done) {
				return;
			}
			try {
				sink.write(items.toArray(new ByteBuffer[0]));
			} catch (Exception e) {
				if (e instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
				done = true;
				subscription.cancel();
				result.completeExceptionally(e);
				return;
			}
		}
		subscription.request(1);
	}

	@Override
	public synchronized void onError(Throwable t) {
		done = true;
		result.completeExceptionally(t);
	}

	@Override
	public synchronized void onComplete() {
		done = true;
		result.complete(null);
	}

	/** Stops receiving: cancels the exchange and completes the body with {@code reason}. */
	synchronized void abort(Throwable reason) {
		if (done) {
			return;
		}
		done = true;
		if (subscription != null) {
			subscription.cancel();
		}
		result.completeExceptionally(reason);
	}
}
