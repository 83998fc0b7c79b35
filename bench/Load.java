package bitsbench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;

/**
 * The load test (issue 7): QUEUED background jobs waiting (each with a small file) while FOREGROUND jobs all
 * transfer at once from the loopback nginx, in the distribution's bundles embedded as in {@link InProcess}. Samples
 * threads, open file descriptors, heap and progress every 500 ms; prints one "LOAD key=value ..." line.
 * Usage: Load BITS_JAR SAMPLES_INDEX WORK_DIR NGINX_ROOT BASE_URL QUEUED FOREGROUND
 */
public class Load {
	private static final int FOREGROUND_BYTES = 8 << 20;
	private static final long SAMPLE_MILLIS = 500;

	public static void main(String[] args) throws Exception {
		Path www = Path.of(args[3]);
		String base = args[4];
		int queued = Integer.parseInt(args[5]);
		int foreground = Integer.parseInt(args[6]);
		byte[] small = new byte[64 << 10];
		byte[] big = new byte[FOREGROUND_BYTES];
		new Random(5).nextBytes(small);
		new Random(6).nextBytes(big);
		Files.write(www.resolve("load-q.bin"), small);
		Files.write(www.resolve("load-fg.bin"), big);
		InProcess.work = Path.of(args[2]).toAbsolutePath();
		InProcess.start(Path.of(args[0]), Path.of(args[1]).toAbsolutePath().normalize(),
				Map.of("foreground.concurrency", foreground, "background.concurrency", 1));
		try {
			run(base, queued, foreground);
		} finally {
			InProcess.framework.stop();
			InProcess.framework.waitForStop(60_000);
		}
	}

	private static void run(String base, int queued, int foreground) throws Exception {
		Path out = Files.createDirectories(InProcess.work.resolve("out"));
		long t0 = System.nanoTime();
		long[] calls = new long[3]; // nanoseconds in createJob, addFile, resume
		for (int i = 0; i < queued; i++) {
			long a = System.nanoTime();
			TransferJob job = InProcess.manager.createJob("queued " + i);
			long b = System.nanoTime();
			job.addFile(java.net.URI.create(base + "load-q.bin"), out.resolve("q" + i + ".bin"));
			long c = System.nanoTime();
			job.resume(); // QUEUED: one background job transfers at a time
			long d = System.nanoTime();
			calls[0] += b - a;
			calls[1] += c - b;
			calls[2] += d - c;
		}
		if (System.getProperty("load.trace") != null) {
			System.err.printf("per job: createJob %.0f us, addFile %.0f us, resume %.0f us%n", calls[0] / 1e3 / queued, calls[1] / 1e3 / queued,
					calls[2] / 1e3 / queued);
		}
		double createSeconds = (System.nanoTime() - t0) / 1e9;
		System.gc();
		long heapQueued = heapUsed();

		List<TransferJob> jobs = new ArrayList<>();
		for (int i = 0; i < foreground; i++) {
			TransferJob job = InProcess.manager.createJob("foreground " + i);
			job.setPriority(JobPriority.FOREGROUND);
			job.addFiles(List.of(new FileSpec(java.net.URI.create(base + "limited/load-fg.bin"), out.resolve("f" + i + ".bin"))));
			jobs.add(job);
		}
		long t1 = System.nanoTime(); // all resumed at once, so they transfer together
		for (TransferJob job : jobs) {
			job.resume();
		}
		int maxThreads = 0;
		int maxFds = 0;
		long maxHeap = 0;
		int maxTransferring = 0;
		int stalls = 0; // sample intervals without progress while jobs were unfinished
		long last = 0;
		long minInterval = Long.MAX_VALUE;
		int errors = 0;
		long deadline = System.nanoTime() + 600_000_000_000L;
		while (true) {
			Thread.sleep(SAMPLE_MILLIS);
			long bytes = 0;
			int done = 0;
			int transferring = 0;
			errors = 0;
			java.util.Map<JobState, Integer> seen = new java.util.EnumMap<>(JobState.class);
			for (TransferJob j : jobs) {
				bytes += j.getProgress().bytesTransferred();
				JobState s = j.getState();
				done += s == JobState.TRANSFERRED ? 1 : 0;
				transferring += s == JobState.TRANSFERRING || s == JobState.CONNECTING ? 1 : 0;
				seen.merge(s, 1, Integer::sum);
				errors += s == JobState.ERROR || s == JobState.TRANSIENT_ERROR ? 1 : 0;
			}
			maxThreads = Math.max(maxThreads, ManagementFactory.getThreadMXBean().getThreadCount());
			maxFds = Math.max(maxFds, openFiles());
			maxHeap = Math.max(maxHeap, heapUsed());
			maxTransferring = Math.max(maxTransferring, transferring);
			if (System.getProperty("load.trace") != null) {
				System.err.println("sample: " + seen + " bytes " + bytes + " threads " + ManagementFactory.getThreadMXBean().getThreadCount() + " fds " + openFiles());
			}
			if (done == jobs.size() || errors > 0 || System.nanoTime() > deadline) {
				break;
			}
			long interval = bytes - last;
			stalls += interval == 0 ? 1 : 0;
			minInterval = Math.min(minInterval, interval);
			last = bytes;
		}
		double seconds = (System.nanoTime() - t1) / 1e9;
		int transferred = 0;
		for (TransferJob j : jobs) {
			if (j.getState() == JobState.TRANSFERRED) {
				j.complete();
				transferred++;
			}
		}
		int backgroundDone = (int) InProcess.manager.listJobs().stream().filter(j -> j.getState() == JobState.TRANSFERRED).count();
		try (var files = Files.list(out)) { // GBs of completed files
			for (Path f : (Iterable<Path>) files::iterator) {
				Files.deleteIfExists(f);
			}
		}
		System.out.printf("LOAD queued=%d create_per_s=%.0f heap_queued_mb=%.1f foreground=%d transferred=%d errors=%d fg_wall_s=%.2f"
				+ " fg_mib_per_s=%.1f max_transferring=%d stalled_intervals=%d min_interval_mib=%.2f threads_max=%d fds_max=%d heap_max_mb=%.1f"
				+ " background_done=%d%n", queued, queued / createSeconds, heapQueued / 1048576.0, foreground, transferred, errors, seconds,
				(double) transferred * FOREGROUND_BYTES / 1048576 / seconds, maxTransferring, stalls,
				(minInterval == Long.MAX_VALUE ? 0 : minInterval) / 1048576.0, maxThreads, maxFds, maxHeap / 1048576.0, backgroundDone);
	}

	private static long heapUsed() {
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static int openFiles() {
		String[] fds = new java.io.File("/proc/self/fd").list();
		return fds == null ? -1 : fds.length;
	}
}
