package bitsbench;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.jar.JarFile;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventHandler;

import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * In-process figures P3, P4, P5: the distribution's own bundles (taken from bits.jar) in an embedded Felix, the
 * harness on the class path sharing bits.api and the EventAdmin API with them through the system bundle. Prints one
 * "KEY=VALUE" line per figure for bench.py. Usage: InProcess BITS_JAR SAMPLES_INDEX WORK_DIR P3|P4|P5|P9 [RUNS]
 */
public class InProcess {
	static Framework framework;
	static BundleContext system;
	static TransferManager manager;
	static Path work;

	public static void main(String[] args) throws Exception {
		Path bitsJar = Path.of(args[0]);
		Path index = Path.of(args[1]).toAbsolutePath().normalize();
		work = Path.of(args[2]).toAbsolutePath();
		String figure = args[3];
		int runs = args.length > 4 ? Integer.parseInt(args[4]) : 5;
		// -Dbits.bench.store.url: the jobs in PostgreSQL (CLUSTER); -Dbits.bench.psql: the psql command that counts the outbox there
		String storeUrl = System.getProperty("bits.bench.store.url");
		try {
			start(bitsJar, index, storeUrl == null ? Map.of() : Map.of("store.url", storeUrl, "store.user", "postgres"));
			switch (figure) {
			case "P3" -> p3(runs);
			case "P4" -> p4(runs);
			case "P5" -> p5(runs, index);
			case "P9" -> p9(runs);
			default -> throw new IllegalArgumentException(figure);
			}
		} finally {
			if (framework != null) { // its threads would keep the JVM alive
				framework.stop();
				framework.waitForStop(30_000);
			}
		}
	}

	/** Starts the distribution's bundles with the benchmarks' configuration plus {@code extra}. */
	static void start(Path bitsJar, Path index, Map<String, Object> extra) throws Exception {
		Path bundles = Files.createDirectories(work.resolve("bundles"));
		List<Path> install = new ArrayList<>();
		try (JarFile jar = new JarFile(bitsJar.toFile())) {
			for (var e : (Iterable<java.util.jar.JarEntry>) jar.stream()::iterator) {
				String name = e.getName();
				if (!name.startsWith("jar/") || !name.endsWith(".jar") || name.contains("framework") || name.contains("launcher")
						|| name.contains("bits.api") || name.contains("gogo") || name.contains("fileinstall")) {
					continue; // the framework and bits.api come from the class path; no shell
				}
				Path target = bundles.resolve(name.substring(4));
				try (InputStream in = jar.getInputStream(e)) {
					Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
				}
				install.add(target);
			}
		}
		Path files = Files.createDirectories(work.resolve("files"));
		Hashtable<String, Object> config = new Hashtable<>();
		config.put("handler.repositories", new String[] { index.toUri().toString() });
		config.put("max.jobs", 100_000);
		config.put("max.jobs.per.owner", 100_000);
		config.put("file.roots", new String[] { files.toString() });
		config.put("handler.idle.s", 0L);
		config.putAll(extra);
		Map<String, String> props = new HashMap<>();
		props.put("org.osgi.framework.storage", work.resolve("fw").toString());
		props.put("org.osgi.framework.storage.clean", "onFirstInit");
		props.put("org.osgi.framework.system.packages.extra", "bits.api;version=" + apiVersion() + ",org.osgi.service.event;version=1.4.1");
		// as cnf/runtime.bnd declares for the distribution: SLF4J 2's API bundle (Felix HTTP Jetty 12, HikariCP) is met
		// with its built-in no-op provider instead of a ServiceLoader mediator
		props.put("org.osgi.framework.system.capabilities.extra", "osgi.extender;osgi.extender=osgi.serviceloader.processor;version:Version=1.0.0,"
				+ "osgi.serviceloader;osgi.serviceloader=org.slf4j.spi.SLF4JServiceProvider");
		System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
		props.put("bits.store.directory", work.resolve("store").toString());
		framework = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
		framework.start();
		system = framework.getBundleContext();
		List<Bundle> installed = new ArrayList<>();
		for (Path p : install) {
			installed.add(system.installBundle(p.toUri().toString()));
		}
		Bundle engine = null;
		for (Bundle b : installed) {
			if ("bits.engine".equals(b.getSymbolicName())) {
				engine = b;
			} else if (b.getHeaders().get("Fragment-Host") == null) {
				b.start();
			}
		}
		configure(config); // before the engine starts: the store (store.url) is chosen at its start
		engine.start();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (manager == null || !configured()) {
			ServiceReference<TransferManager> ref = system.getServiceReference(TransferManager.class);
			manager = ref == null ? null : system.getService(ref);
			if (System.nanoTime() > deadline) {
				for (Bundle b : system.getBundles()) {
					System.err.println(b + " " + b.getState());
				}
				System.err.println("manager " + manager + (manager == null ? "" : " handlers " + manager.listHandlers()));
				throw new IllegalStateException("the engine did not start (or its configuration did not arrive)");
			}
			Thread.sleep(20);
		}
	}

	/** @return the version the bits.api jar on the class path exports its package with (the bundles import that range) */
	private static String apiVersion() throws Exception {
		Path api = Path.of(TransferManager.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		try (JarFile jar = new JarFile(api.toFile())) {
			java.util.regex.Matcher m = java.util.regex.Pattern.compile("bits\\.api;[^,]*version=\"?([0-9.]+)")
					.matcher(jar.getManifest().getMainAttributes().getValue("Export-Package"));
			if (!m.find()) {
				throw new IllegalStateException(api + " exports no bits.api version");
			}
			return m.group(1);
		}
	}

	/** Through ConfigAdmin, by reflection: its API is the bundle's, not the class path's. */
	private static void configure(Hashtable<String, Object> config) throws Exception {
		ServiceReference<?> ref = null;
		for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); ref == null && System.nanoTime() < deadline; Thread.sleep(10)) {
			ref = system.getServiceReference("org.osgi.service.cm.ConfigurationAdmin");
		}
		Object admin = system.getService(ref);
		Object configuration = admin.getClass().getMethod("getConfiguration", String.class, String.class).invoke(admin, "bits.engine", "?");
		configuration.getClass().getMethod("update", java.util.Dictionary.class).invoke(configuration, config);
	}

	/** The configuration has reached the engine once a job can be created beyond the default job limit. */
	private static boolean configured() {
		try {
			return manager.listHandlers().stream().anyMatch(h -> h.id().startsWith("bits.samples."));
		} catch (RuntimeException e) {
			manager = null;
			return false;
		}
	}

	// --- P3: state change -> callback entry, beside EventAdmin postEvent -> handler entry ---------------------

	private static void p3(int runs) throws Exception {
		int jobs = 100;
		double seconds = 2;
		int rate = 10_000;
		int n = (int) (rate * seconds);
		List<TransferJob> list = new ArrayList<>();
		for (int j = 0; j < jobs; j++) {
			TransferJob job = manager.createJob("p3-" + j);
			job.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_MODIFICATION));
			job.setMinimumNotificationInterval(Duration.ZERO);
			list.add(job);
		}
		EventAdmin events = system.getService(system.getServiceReference(EventAdmin.class));
		for (int r = 0; r < runs + 1; r++) { // the first run warms up
			long[] start = new long[n];
			long[] returned = new long[n];
			AtomicLongArray entry = new AtomicLongArray(n);
			AtomicInteger calls = new AtomicInteger();
			TransferCallback callback = new TransferCallback() {
				@Override
				public void jobModification(TransferJob job) {
					long now = System.nanoTime();
					int i = Integer.parseInt(job.getDescription());
					entry.compareAndSet(i, 0, now);
					calls.incrementAndGet();
				}
			};
			list.forEach(j -> j.setNotifyCallback(callback));
			double achieved = drive(n, rate, i -> {
				start[i] = System.nanoTime();
				list.get(i % jobs).setDescription(Integer.toString(i));
				returned[i] = System.nanoTime();
			});
			Thread.sleep(500);
			list.forEach(j -> j.setNotifyCallback(null));
			Stats bits = Stats.of(start, entry, n);
			Stats dispatch = Stats.of(returned, entry, n);

			long[] posted = new long[n];
			AtomicLongArray handled = new AtomicLongArray(n);
			Hashtable<String, Object> topic = new Hashtable<>(Map.of("event.topics", "bench/p3"));
			var reg = system.registerService(EventHandler.class, e -> handled.compareAndSet((Integer) e.getProperty("i"), 0, System.nanoTime()), topic);
			double eaRate = drive(n, rate, i -> {
				posted[i] = System.nanoTime();
				events.postEvent(new Event("bench/p3", Map.of("i", i)));
			});
			Thread.sleep(500);
			reg.unregister();
			Stats ea = Stats.of(posted, handled, n);
			if (r > 0) {
				System.out.printf("P3 run=%d bits_rate=%.0f bits_p50_us=%.1f bits_p99_us=%.1f bits_delivered=%d dispatch_p50_us=%.1f dispatch_p99_us=%.1f"
						+ " ea_rate=%.0f ea_p50_us=%.1f ea_p99_us=%.1f ea_delivered=%d calls=%d%n", r, achieved, bits.p50, bits.p99, bits.count,
						dispatch.p50, dispatch.p99, eaRate, ea.p50, ea.p99, ea.count, calls.get());
			}
		}
	}

	interface Step {
		void run(int i) throws Exception;
	}

	/**
	 * Issues n steps at the given rate from {@value #DRIVERS} threads (open loop: a late step does not delay the
	 * schedule; concurrent callers let the store group their commits); @return the rate achieved.
	 */
	private static double drive(int n, int rate, Step step) throws Exception {
		long t0 = System.nanoTime() + 1_000_000;
		long interval = 1_000_000_000L / rate;
		List<Thread> threads = new ArrayList<>();
		Exception[] failure = new Exception[1];
		for (int t = 0; t < DRIVERS; t++) {
			int first = t;
			Thread driver = new Thread(() -> {
				try {
					for (int i = first; i < n; i += DRIVERS) {
						long due = t0 + i * interval;
						long wait = due - System.nanoTime();
						if (wait > 50_000) {
							LockSupport.parkNanos(wait - 20_000);
						}
						while (System.nanoTime() < due) {
							Thread.onSpinWait();
						}
						step.run(i);
					}
				} catch (Exception e) {
					failure[0] = e;
				}
			});
			driver.start();
			threads.add(driver);
		}
		for (Thread t : threads) {
			t.join();
		}
		if (failure[0] != null) {
			throw failure[0];
		}
		return n / ((System.nanoTime() - t0) / 1e9);
	}

	private static final int DRIVERS = 1; // more spinning drivers would take the 2 cores from the engine

	record Stats(double p50, double p99, int count) {
		static Stats of(long[] from, AtomicLongArray to, int n) {
			double[] us = new double[n];
			int c = 0;
			for (int i = 0; i < n; i++) {
				long t = to.get(i);
				if (t != 0) {
					us[c++] = Math.max(0, t - from[i]) / 1e3;
				}
			}
			double[] d = Arrays.copyOf(us, c);
			Arrays.sort(d);
			return c == 0 ? new Stats(Double.NaN, Double.NaN, 0) : new Stats(d[c / 2], d[Math.min(c - 1, (int) (c * 0.99))], c);
		}
	}

	// --- P4: durable terminal notifications per second ---------------------------------------------------------

	private static void p4(int runs) throws Exception {
		int n = Integer.getInteger("p4.jobs", 2000);
		Path source = work.resolve("files/p4.bin");
		Files.write(source, new byte[16]);
		Path out = Files.createDirectories(work.resolve("out-p4"));
		for (int r = 0; r < runs; r++) {
			List<TransferJob> jobs = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				TransferJob job = manager.createJob("p4-" + i);
				job.setPriority(JobPriority.FOREGROUND);
				job.addFiles(List.of(new FileSpec(source.toUri(), out.resolve(r + "-" + i))));
				job.resume();
				jobs.add(job);
			}
			System.err.printf("P4 run %d: %d jobs created and resumed%n", r + 1, n);
			for (TransferJob job : jobs) {
				while (job.getState() != JobState.TRANSFERRED) {
					if (job.getState() == JobState.ERROR) {
						throw new IllegalStateException(job + ": " + job.getError());
					}
					Thread.sleep(5);
				}
			}
			// every JOB_TRANSFERRED is in the outbox; one callback registration per job delivers them
			CountDownLatch delivered = new CountDownLatch(n);
			TransferCallback callback = new TransferCallback() {
				@Override
				public void jobTransferred(TransferJob job) {
					delivered.countDown();
				}
			};
			long t0 = System.nanoTime();
			jobs.forEach(j -> j.setNotifyCallback(callback));
			delivered.await();
			long tDelivered = System.nanoTime();
			while (outbox() > 0) {
				LockSupport.parkNanos(500_000);
			}
			long tAcknowledged = System.nanoTime();
			System.out.printf("P4 run=%d notifications=%d delivered_per_s=%.0f acknowledged_per_s=%.0f%n", r + 1, n,
					n / ((tDelivered - t0) / 1e9), n / ((tAcknowledged - t0) / 1e9));
			System.err.printf("P4 run %d: cancelling%n", r + 1);
			jobs.forEach(TransferJob::cancel);
			System.err.printf("P4 run %d: cancelled%n", r + 1);
		}
	}

	// --- P9: jobs created with their files, durable, per second -------------------------------------------------

	/**
	 * Jobs of one file each, created, given a priority and queued: in one call ({@code createJob} with its setup, SPEC J9)
	 * and, as the peer in the same run, in the three calls it takes without it (createJob, addFile, resume), by one
	 * caller and by 8. The remote accepts connections and never answers, so the few jobs the scheduler starts wait
	 * quietly and the figure is the creates'.
	 */
	private static void p9(int runs) throws Exception {
		int n = Integer.getInteger("p9.jobs", 4000);
		try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1000, java.net.InetAddress.getLoopbackAddress())) {
			String remote = "http://127.0.0.1:" + silent.getLocalPort() + "/p9/";
			Path out = Files.createDirectories(work.resolve("out-p9"));
			for (int r = 0; r <= runs; r++) { // the first run warms up
				for (int callers : new int[] { 1, 8 }) {
					for (boolean oneCall : new boolean[] { true, false }) {
						String tag = r + "-" + callers + "-" + oneCall;
						double perS = creates(n, callers, i -> {
							URI from = URI.create(remote + i);
							Path to = out.resolve(tag + "-" + i);
							if (oneCall) {
								return manager.createJob("p9-" + i, bits.api.JobType.DOWNLOAD, j -> {
									j.setPriority(JobPriority.LOW);
									j.addFile(from, to);
									j.resume();
								});
							}
							TransferJob job = manager.createJob("p9-" + i);
							job.setPriority(JobPriority.LOW);
							job.addFile(from, to);
							job.resume();
							return job;
						});
						if (r > 0) {
							System.out.printf("P9 run=%d callers=%d %s_per_s=%.0f%n", r, callers, oneCall ? "one_call" : "three_calls", perS);
						}
						System.err.printf("P9 run %d, %d caller(s), %s: %.0f jobs/s; cancelling%n", r, callers, oneCall ? "one call" : "three calls", perS);
						List<TransferJob> made = manager.listJobs();
						java.util.Collections.reverse(made); // the newest first: the scheduler starts the oldest, and a cancel waits for its transfer to stop
						made.forEach(TransferJob::cancel);
					}
				}
			}
		}
	}

	/** @return jobs created per second by {@code callers} threads making {@code n} in all */
	private static double creates(int n, int callers, java.util.function.IntFunction<TransferJob> create) throws Exception {
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
		try {
			AtomicInteger next = new AtomicInteger();
			CountDownLatch start = new CountDownLatch(1);
			List<java.util.concurrent.Future<?>> done = new ArrayList<>();
			for (int c = 0; c < callers; c++) {
				done.add(pool.submit(() -> {
					start.await();
					for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
						create.apply(i);
					}
					return null;
				}));
			}
			long t0 = System.nanoTime();
			start.countDown();
			for (var f : done) {
				f.get();
			}
			return n / ((System.nanoTime() - t0) / 1e9);
		} finally {
			pool.shutdownNow();
		}
	}

	/**
	 * Counted by the sqlite3 program (psql with the jobs in PostgreSQL), in another process: a second SQLite library in the engine's own process would not
	 * share its locks and would delete the WAL under it when its connection closes.
	 */
	private static long outbox() throws Exception {
		String psql = System.getProperty("bits.bench.psql");
		List<String> command = new ArrayList<>();
		if (psql == null) {
			command.addAll(List.of("sqlite3", work.resolve("store/bits.db").toString()));
		} else {
			command.addAll(List.of(psql.split(" ")));
		}
		command.add("SELECT count(*) FROM outbox");
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes()).trim();
		if (p.waitFor() != 0) {
			throw new IllegalStateException(command + " failed: " + out);
		}
		return out.isEmpty() ? 1 : Long.parseLong(out);
	}

	// --- P5: notification -> handler invoked: cold, installed but stopped, warm; beside a plain install ----------

	private static void p5(int runs, Path index) throws Exception {
		Path source = work.resolve("files/p5.bin");
		Files.write(source, new byte[16]);
		Path out = Files.createDirectories(work.resolve("out-p5"));
		String id = "bits.samples.complete";
		FrameworkWiring wiring = system.getBundle().adapt(FrameworkWiring.class);
		for (int r = 0; r < runs + 1; r++) { // the first run warms up
			Path cold = out.resolve("cold-" + r);
			double coldMs = handled(id, source, cold);
			Bundle handler = Arrays.stream(system.getBundles()).filter(b -> id.equals(b.getSymbolicName())).findFirst().orElseThrow();
			handler.stop();
			double stoppedMs = handled(id, source, out.resolve("stopped-" + r));
			handler.uninstall();
			refresh(wiring, List.of(handler));

			// the peer: a plain install + start + getService of the same bundle
			Path jar = Path.of(index.getParent().resolve("bundles").toString(), "bits.samples.complete-0.1.0-SNAPSHOT.jar");
			long t0 = System.nanoTime();
			Bundle plain = system.installBundle(jar.toUri().toString());
			plain.start();
			ServiceReference<?>[] refs = system.getServiceReferences(TransferCallback.class.getName(), "(bits.handler=" + id + ")");
			Object service = system.getService(refs[0]);
			double plainMs = (System.nanoTime() - t0) / 1e6;
			if (service == null) {
				throw new IllegalStateException("no service");
			}
			system.ungetService(refs[0]);
			plain.uninstall();
			refresh(wiring, List.of(plain));
			if (r > 0) {
				System.out.printf("P5 run=%d cold_ms=%.2f stopped_ms=%.2f plain_install_start_get_ms=%.2f%n", r, coldMs, stoppedMs, plainMs);
			}
		}
		warm(runs);
	}

	/** @return ms from the job's TRANSFERRED to its file appearing at the destination: the handler ran complete() */
	private static double handled(String id, Path source, Path dest) throws Exception {
		TransferJob job = manager.createJob("p5");
		job.setPriority(JobPriority.FOREGROUND);
		job.addFiles(List.of(new FileSpec(source.toUri(), dest)));
		job.setHandlerId(id);
		job.resume();
		java.time.Instant transferred = null;
		while (!Files.exists(dest)) {
			if (transferred == null) {
				transferred = job.getTimes().transferred().orElse(null);
			}
			LockSupport.parkNanos(20_000); // not a spin: on 2 cores it would take one from the engine
		}
		java.time.Instant done = java.time.Instant.now();
		if (transferred == null) {
			transferred = job.getTimes().transferred().orElseThrow();
		}
		return java.time.temporal.ChronoUnit.MICROS.between(transferred, done) / 1e3;
	}

	/** Warm: the handler is connected; a modification goes to it at once (dispatch only). */
	private static void warm(int runs) throws Exception {
		String id = "bench.warm";
		AtomicLongArray entry = new AtomicLongArray(20_000);
		TransferCallback handler = new TransferCallback() {
			@Override
			public void jobModification(TransferJob job) {
				long now = System.nanoTime();
				entry.compareAndSet(Integer.parseInt(job.getDescription()), 0, now);
			}
		};
		system.registerService(TransferCallback.class, handler, new Hashtable<>(Map.of("bits.handler", id)));
		TransferJob job = manager.createJob("p5-warm");
		job.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_MODIFICATION));
		job.setMinimumNotificationInterval(Duration.ZERO);
		job.setHandlerId(id);
		int n = 2000;
		for (int r = 0; r < runs + 1; r++) {
			long[] returned = new long[n];
			for (int i = 0; i < n; i++) {
				int k = r * n + i;
				if (k >= entry.length()) {
					break;
				}
				job.setDescription(Integer.toString(k));
				returned[i] = System.nanoTime();
				long deadline = System.nanoTime() + 50_000_000L;
				while (entry.get(k) == 0 && System.nanoTime() < deadline) {
					Thread.onSpinWait();
				}
			}
			AtomicLongArray mine = new AtomicLongArray(n);
			for (int i = 0; i < n && r * n + i < entry.length(); i++) {
				mine.set(i, entry.get(r * n + i));
			}
			Stats s = Stats.of(returned, mine, n);
			if (r > 0) {
				System.out.printf("P5warm run=%d warm_p50_us=%.1f warm_p99_us=%.1f delivered=%d%n", r, s.p50, s.p99, s.count);
			}
		}
	}

	private static void refresh(FrameworkWiring wiring, List<Bundle> bundles) throws InterruptedException {
		CountDownLatch done = new CountDownLatch(1);
		wiring.refreshBundles(bundles, e -> done.countDown());
		done.await(30, TimeUnit.SECONDS);
	}
}
