package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** SPEC J8: the steps of the retries after a transient failure, on a fake clock (the instants passed in). */
class RecoveryTest {
	private static final Duration MINIMUM = Duration.ofSeconds(10);
	private final Recovery recovery = new Recovery();
	private final UUID job = UUID.randomUUID();
	private Instant now = Instant.parse("2026-12-02T00:00:00Z");

	/** @return the delay of the next retry after a failure at {@link #now}, which then moves to the retry */
	private Duration fail(boolean progressed, Duration retryAfter) {
		Instant at = recovery.retryAt(job, progressed, MINIMUM, retryAfter, now);
		Duration delay = Duration.between(now, at);
		now = at.plusMillis(300); // the retry runs a while before it fails
		return delay;
	}

	private Duration fail(boolean progressed) {
		return fail(progressed, null);
	}

	@Test
	void aFailureWithoutProgressWaitsTheMinimumRetryDelayAsInBits() {
		assertEquals(MINIMUM, fail(false));
		assertEquals(MINIMUM, fail(false));
	}

	@Test
	void anInterruptionAfterProgressIsRetriedAtOnceThenBacksOffWhileTheRetriesMakeNone() {
		assertEquals(Duration.ZERO, fail(true));
		assertEquals(Duration.ofSeconds(1), fail(false));
		assertEquals(Duration.ofSeconds(2), fail(false));
		assertEquals(Duration.ofSeconds(4), fail(false));
		assertEquals(Duration.ofSeconds(8), fail(false));
		assertEquals(MINIMUM, fail(false), "capped at the minimum retry delay");
		assertEquals(MINIMUM, fail(false));
		assertEquals(Duration.ZERO, fail(true), "progress again: at once, and the back-off starts over");
		assertEquals(Duration.ofSeconds(1), fail(false));
	}

	@Test
	void everyInterruptionThatMadeProgressIsRetriedAtOnce() { // a connection reset every few MiB (bench P8)
		for (int i = 0; i < 12; i++) {
			assertEquals(Duration.ZERO, fail(true));
		}
	}

	@Test
	void aLongerRetryAfterWinsAndAShorterOneDoesNot() {
		assertEquals(Duration.ofSeconds(30), fail(true, Duration.ofSeconds(30)));
		assertEquals(Duration.ofSeconds(1), fail(false, Duration.ofMillis(500)));
		assertEquals(Duration.ofSeconds(60), fail(false, Duration.ofSeconds(60)));
	}

	@Test
	void aJobThatTransferredStartsAfresh() {
		assertEquals(Duration.ZERO, fail(true));
		recovery.forget(job);
		assertEquals(MINIMUM, fail(false), "no interruption before it now: BITS's delay");
	}
}
