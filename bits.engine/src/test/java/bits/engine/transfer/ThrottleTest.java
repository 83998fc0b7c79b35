package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The background bandwidth limit: a token bucket with a one-second burst. */
class ThrottleTest {
	@Test
	void limitsTheRateAfterTheBurst() throws Exception {
		Throttle t = new Throttle(1_000_000); // 1 MB/s
		long start = System.nanoTime();
		for (int i = 0; i < 30; i++) {
			t.acquire(100_000); // 3 MB: the first 1 MB is the burst, the rest takes about 2 s
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		assertTrue(seconds >= 1.5, "3 MB at 1 MB/s after a 1 MB burst took only " + seconds + " s");
	}

	@Test
	void unlimitedNeverWaits() throws Exception {
		long start = System.nanoTime();
		for (int i = 0; i < 1000; i++) {
			Throttle.UNLIMITED.acquire(1 << 30);
		}
		assertTrue(System.nanoTime() - start < 1_000_000_000L);
	}
}
