package bits.engine.handler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** SPEC H7, H9: a bundle is changed only with its gate closed and no callback of it running. */
class GatesTest {
	@Test
	void aGateClosesOnlyOnceTheRunningCallsReturnAndLetsNoneInMeanwhile() throws Exception {
		Gates gates = new Gates();
		assertTrue(gates.tryEnter(7));
		CompletableFuture<Boolean> closing = CompletableFuture.supplyAsync(() -> {
			try {
				return gates.close(7, TimeUnit.SECONDS.toNanos(30));
			} catch (InterruptedException e) {
				throw new IllegalStateException(e);
			}
		});
		while (gates.tryEnter(7)) { // until the closer has closed it: calls that got in leave again
			gates.exit(7);
			Thread.onSpinWait();
		}
		assertFalse(closing.isDone(), "not closed while a call runs");
		assertTrue(gates.tryEnter(8), "other bundles are not held up");
		gates.exit(8);
		gates.exit(7);
		assertTrue(closing.get(30, TimeUnit.SECONDS));
		assertFalse(gates.tryEnter(7));
		gates.open(7);
		assertTrue(gates.tryEnter(7));
		gates.exit(7);
		assertFalse(gates.busy(7));
	}

	@Test
	void aCloseThatTimesOutLeavesTheGateOpen() throws Exception {
		Gates gates = new Gates();
		assertTrue(gates.tryEnter(1));
		assertFalse(gates.close(1, TimeUnit.MILLISECONDS.toNanos(50)));
		assertTrue(gates.tryEnter(1), "open again");
		assertTrue(gates.busy(1));
	}
}
