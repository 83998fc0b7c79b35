package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import bits.engine.jobs.ClaimLost;
import bits.engine.store.StoreException;

/** What a failed exchange's cause means: the transfer's failure, or a record that could not be written. */
class FailureCausesTest {
	@Test
	void aClaimLostOnTheResponsesThreadStopsTheRunAndIsNoTransferFailure() { // C3: fenced, nothing more is written
		ClaimLost lost = new ClaimLost("job x is not transferred by this engine");
		// as the client hands a subscriber's failure back: wrapped, on the way from the thread that wrote the body
		assertSame(lost, assertThrows(ClaimLost.class, () -> HttpDownloader.failure(new IOException(new CompletionException(lost)))));
		// as the plain http client wraps it, and as it is thrown on the run's own thread
		assertSame(lost, assertThrows(ClaimLost.class, () -> HttpDownloader.failure(new IOException("write refused", lost))));
		assertSame(lost, assertThrows(ClaimLost.class, () -> HttpDownloader.failure(lost)));
	}

	@Test
	void aStoreThatCannotRecordAbandonsTheRunAndIsNoTransferFailure() {
		StoreException down = new StoreException("the store is down", null);
		assertSame(down, assertThrows(StoreException.class, () -> HttpDownloader.failure(new IOException(down))));
	}

	@Test
	void aBrokenConnectionIsATransientTransferFailure() throws Exception {
		assertTrue(HttpDownloader.failure(new IOException("Connection reset")).transientFailure);
	}
}
