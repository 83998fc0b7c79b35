package bits.engine.transfer;

/**
 * A token bucket shared by the background transfers: at most {@code rate} bytes per second together, with a
 * one-second burst. FOREGROUND transfers never use it, like BITS.
 */
final class Throttle {
	static final Throttle UNLIMITED = new Throttle(0);

	private final long rate;
	private double tokens;
	private long last = System.nanoTime();

	Throttle(long bytesPerSecond) {
		this.rate = bytesPerSecond;
		this.tokens = bytesPerSecond;
	}

	/** Waits until {@code bytes} may pass. */
	void acquire(long bytes) throws InterruptedException {
		if (rate <= 0) {
			return;
		}
		long waitNanos;
		synchronized (this) {
			long now = System.nanoTime();
			tokens = Math.min(rate, tokens + (now - last) * rate / 1e9);
			last = now;
			tokens -= bytes;
			waitNanos = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / rate);
		}
		if (waitNanos > 0) {
			Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
		}
	}
}
