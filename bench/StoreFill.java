import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import bits.api.JobType;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.store.Secrets;
import bits.engine.store.SqliteJobStore;

/**
 * P6 helper: fills a store with N suspended one-file jobs in one transaction, then measures the heap an idle job
 * takes once loaded (what the engine keeps per job). Runs on a plain classpath: bits.api, bits.engine, sqlite-jdbc.
 */
public class StoreFill {
	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		int n = Integer.parseInt(args[1]);
		java.nio.file.Files.createDirectories(dir);
		try (SqliteJobStore store = SqliteJobStore.open(dir, Secrets.open(dir.resolve("bench-fill.key")))) {
			store.transaction(w -> {
				Instant now = Instant.now();
				for (int i = 0; i < n; i++) {
					JobRecord job = JobRecord.created(UUID.randomUUID(), "bench", JobType.DOWNLOAD,
							JobSettings.defaults("job " + i, Duration.ofSeconds(600), Duration.ofDays(14)), now);
					w.insertJob(job);
					w.insertFiles(job.id(), List.of(FileRecord.added(0, URI.create("http://127.0.0.1:9/f" + i), Path.of("/tmp/bits-bench-p6/f" + i),
							Path.of("/tmp/bits-bench-p6/.f" + i + ".bits-tmp"))));
				}
			});
			store.sync();
			long before = used();
			List<JobRecord> jobs = store.load().jobs();
			long after = used();
			System.out.println("jobs=" + jobs.size() + " heap_per_job=" + (after - before) / Math.max(1, jobs.size()) + " first=" + jobs.get(0).id());
		}
	}

	private static long used() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		Runtime r = Runtime.getRuntime();
		return r.totalMemory() - r.freeMemory();
	}
}
