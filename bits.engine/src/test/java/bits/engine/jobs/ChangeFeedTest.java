package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import bits.api.JobType;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/**
 * The notifiers hear of a job's changes in the order they were committed, once durable, one at a time: a listener of
 * EventAdmin events never sees a job go back from QUEUED to the TRANSIENT_ERROR before it (SPEC J8, N5).
 */
class ChangeFeedTest {
	private static final Logger QUIET = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class },
			(proxy, method, args) -> method.getReturnType() == boolean.class ? false : null);

	private static JobRecord job(long n) {
		return JobRecord.created(new UUID(0, n), "o", JobType.DOWNLOAD, JobSettings.defaults("j", Duration.ofSeconds(600), Duration.ofDays(14)),
				Instant.EPOCH);
	}

	private static long n(JobRecord job) {
		return job.id().getLeastSignificantBits();
	}

	@Test
	void aChangeNotYetDurableHoldsBackTheOnesCommittedAfterIt() {
		List<Long> told = new ArrayList<>();
		ChangeFeed feed = new ChangeFeed(List.of(job -> told.add(n(job))), QUIET);
		feed.stored(job(0));
		ChangeFeed.Entry first = feed.committed(job(1));
		feed.tell(job(2)); // durable before the one committed before it: it waits for it
		feed.stored(job(3));
		feed.tell();
		assertEquals(List.of(0L), told);
		feed.durable(first);
		assertEquals(List.of(0L, 1L, 2L, 3L), told);
	}

	@Test
	void aNotifierThatFailsStopsNeitherTheOthersNorTheFeed() {
		List<String> told = new ArrayList<>();
		Notifier faulty = job -> {
			told.add("faulty " + n(job));
			if (n(job) == 1) {
				throw new NoClassDefFoundError("a listener whose bundle is gone");
			}
		};
		ChangeFeed feed = new ChangeFeed(List.of(faulty, job -> told.add("other " + n(job))), QUIET);
		feed.tell(job(1));
		feed.tell(job(2));
		assertEquals(List.of("faulty 1", "other 1", "faulty 2", "other 2"), told);
	}

	@Test
	void concurrentWritersAreToldInCommitOrderOneAtATime() throws Exception {
		int writers = 8;
		int each = 2_000;
		List<Long> told = new ArrayList<>();
		AtomicInteger telling = new AtomicInteger();
		AtomicInteger overlaps = new AtomicInteger();
		ChangeFeed feed = new ChangeFeed(List.of(job -> {
			if (telling.incrementAndGet() > 1) {
				overlaps.incrementAndGet();
			}
			told.add(n(job)); // unsynchronized on purpose: the feed tells one change at a time
			telling.decrementAndGet();
		}), QUIET);
		Object lock = new Object();
		long[] next = new long[1];
		ExecutorService pool = Executors.newFixedThreadPool(writers);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int w = 0; w < writers; w++) {
				done.add(pool.submit(() -> {
					for (int i = 0; i < each; i++) {
						ChangeFeed.Entry e;
						synchronized (lock) { // as the table commits
							e = feed.committed(job(next[0]++));
						}
						Thread.yield(); // as a sync would: another writer commits and tells meanwhile
						feed.durable(e);
					}
				}));
			}
			for (Future<?> f : done) {
				f.get();
			}
		} finally {
			pool.shutdownNow();
		}
		assertEquals(0, overlaps.get(), "changes told concurrently");
		assertEquals(LongStream.range(0, writers * each).boxed().toList(), told);
	}
}
