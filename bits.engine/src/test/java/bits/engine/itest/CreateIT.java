package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** A job created with its files and properties in one durable call (SPEC J9), alone and by concurrent callers. */
class CreateIT {
	/** Nothing listens there: a resumed job of these tests never gets a byte. */
	private static final String NOWHERE = "http://127.0.0.1:9/";

	@TempDir
	Path tmp;

	private final ExecutorService callers = Executors.newFixedThreadPool(8);

	@AfterEach
	void cancelLeftovers() throws Exception {
		callers.shutdownNow();
		Engine.configured().listJobs().forEach(TransferJob::cancel);
	}

	@Test
	void aJobIsStoredWithItsFilesAndPropertiesAndIsSeenOnlyOnceStored() throws Exception {
		TransferManager manager = Engine.configured();
		List<UUID> seenInSetup = new ArrayList<>();
		TransferJob job = manager.createJob("one call", JobType.DOWNLOAD, j -> {
			j.addFiles(List.of(new FileSpec(URI.create(NOWHERE + "a"), tmp.resolve("a.bin")),
					new FileSpec(URI.create(NOWHERE + "b"), tmp.resolve("b.bin"))));
			j.setPriority(JobPriority.HIGH);
			j.setDescription("made whole");
			j.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_TRANSFERRED));
			j.setMinimumRetryDelay(Duration.ofSeconds(90));
			j.setCustomHeaders(Map.of("X-Trace", "j9"));
			manager.listJobs().forEach(other -> seenInSetup.add(other.getId()));
			seenInSetup.add(j.getId());
			assertEquals(0, j.getFiles().size(), "the setup sees the job as created until it is stored");
		});
		UUID id = job.getId();
		assertEquals(id, seenInSetup.get(seenInSetup.size() - 1));
		assertFalse(seenInSetup.subList(0, seenInSetup.size() - 1).contains(id), "nobody sees the job before it is stored");
		assertEquals(JobState.SUSPENDED, job.getState());
		assertEquals(2, job.getFiles().size());

		TransferJob stored = Engine.restart().getJob(id); // what the store holds
		assertEquals(List.of(tmp.resolve("a.bin"), tmp.resolve("b.bin")), stored.getFiles().stream().map(f -> f.getLocalPath()).toList());
		assertEquals(JobPriority.HIGH, stored.getPriority());
		assertEquals("made whole", stored.getDescription());
		assertEquals(EnumSet.of(NotifyFlag.JOB_TRANSFERRED), stored.getNotifyFlags());
		assertEquals(Duration.ofSeconds(90), stored.getMinimumRetryDelay());
		assertEquals(Map.of("X-Trace", "j9"), stored.getCustomHeaders());
		assertEquals("one call", stored.getDisplayName());

		TransferJob queued = Engine.configured().createJob("queued at once", JobType.DOWNLOAD, j -> {
			j.addFile(URI.create(NOWHERE + "c"), tmp.resolve("c.bin"));
			j.resume();
		});
		assertNotEquals(JobState.SUSPENDED, queued.getState(), "resumed in the same call");
	}

	@Test
	void aRefusedCallInTheSetupCreatesNoJob() throws Exception {
		TransferManager manager = Engine.configured();
		TransferJob existing = manager.createJob("taken", JobType.DOWNLOAD, j -> j.addFile(URI.create(NOWHERE + "t"), tmp.resolve("taken.bin")));
		TransferCallback callback = new TransferCallback() {
		};
		Map<Consumer<TransferJob>, Class<? extends RuntimeException>> setups = Map.of(
				j -> j.addFile(URI.create("ftp://127.0.0.1/x"), tmp.resolve("x.bin")), TransferException.class,
				j -> j.addFile(URI.create(NOWHERE + "y"), tmp.resolve("taken.bin")), TransferException.class,
				j -> {
					j.setPriority(JobPriority.FOREGROUND);
					j.resume(); // no files
				}, TransferException.class,
				j -> {
					j.addFile(URI.create(NOWHERE + "z"), tmp.resolve("z.bin"));
					throw new IllegalArgumentException("the caller's own failure");
				}, IllegalArgumentException.class,
				j -> j.setNotifyCallback(callback), IllegalStateException.class,
				j -> j.cancel(), IllegalStateException.class,
				j -> j.suspend(), IllegalStateException.class);
		for (var setup : setups.entrySet()) {
			assertThrows(setup.getValue(), () -> manager.createJob("refused", JobType.DOWNLOAD, setup.getKey()));
			assertEquals(List.of(existing.getId()), manager.listJobs().stream().map(TransferJob::getId).toList());
		}
		TransferException empty = assertThrows(TransferException.class, () -> manager.createJob("empty", JobType.DOWNLOAD, TransferJob::resume));
		assertEquals(ErrorCodes.BG_E_EMPTY, empty.getCode());
		assertEquals(List.of(existing.getId()), Engine.restart().listJobs().stream().map(TransferJob::getId).toList(), "the store holds none of them");
		// the refused jobs' destinations were never taken
		Engine.configured().createJob("z again", JobType.DOWNLOAD, j -> j.addFile(URI.create(NOWHERE + "z"), tmp.resolve("z.bin")));
	}

	@Test
	void concurrentCallersAllGetTheirJobsStored() throws Exception {
		TransferManager manager = Engine.configured(Map.of("max.jobs", 1000, "max.jobs.per.owner", 1000));
		int each = 50;
		List<Future<List<UUID>>> made = new ArrayList<>();
		for (int c = 0; c < 8; c++) {
			int caller = c;
			made.add(callers.submit(() -> {
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < each; i++) {
					String name = caller + "-" + i;
					ids.add(manager.createJob(name, JobType.DOWNLOAD, j -> {
						j.addFile(URI.create(NOWHERE + name), tmp.resolve(name + ".bin"));
						j.setDescription(name);
					}).getId());
				}
				return ids;
			}));
		}
		List<UUID> all = new ArrayList<>();
		for (Future<List<UUID>> f : made) {
			all.addAll(f.get(Engine.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
		}
		TransferManager after = Engine.restart();
		assertEquals(8 * each, after.listJobs().size());
		for (UUID id : all) {
			TransferJob job = after.getJob(id);
			assertEquals(1, job.getFiles().size());
			assertEquals(tmp.resolve(job.getDescription() + ".bin"), job.getFiles().get(0).getLocalPath());
		}
	}

	@Test
	void concurrentCallersAreHeldToTheQuotaAndToOneFilePerDestination() throws Exception {
		TransferManager manager = Engine.configured(Map.of("max.jobs.per.owner", 5));
		List<Throwable> quota = race(i -> manager.createJob("q" + i, JobType.DOWNLOAD, j -> j.setDescription("racing")));
		assertEquals(5, manager.listJobs().size());
		assertEquals(3, quota.size(), "three creates beyond the quota of 5: " + quota);
		quota.forEach(e -> assertEquals(ErrorCodes.BG_E_TOO_MANY_JOBS_PER_USER, ((TransferException) e).getCode()));
		manager.listJobs().forEach(TransferJob::cancel);

		List<Throwable> same = race(i -> manager.createJob("d" + i, JobType.DOWNLOAD, j -> j.addFile(URI.create(NOWHERE + i), tmp.resolve("same.bin"))));
		assertEquals(1, Engine.restart().listJobs().size(), "one job has the destination");
		assertEquals(7, same.size());
		same.forEach(e -> assertEquals(ErrorCodes.E_INVALIDARG, ((TransferException) e).getCode()));
	}

	/** Eight callers create at the same moment; @return what the refused ones threw */
	private List<Throwable> race(java.util.function.IntConsumer create) throws Exception {
		CyclicBarrier start = new CyclicBarrier(8);
		List<Future<?>> calls = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			int n = i;
			calls.add(callers.submit(() -> {
				start.await();
				create.accept(n);
				return null;
			}));
		}
		List<Throwable> refused = new ArrayList<>();
		for (Future<?> f : calls) {
			try {
				f.get(Engine.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			} catch (java.util.concurrent.ExecutionException e) {
				refused.add(e.getCause());
			}
		}
		assertTrue(refused.stream().allMatch(TransferException.class::isInstance), refused.toString());
		return refused;
	}
}
