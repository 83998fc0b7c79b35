package bits.engine.transfer;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.JobPriority;
import bits.engine.config.EngineConfig;
import bits.engine.files.FileRoots;
import bits.engine.jobs.JobTable;
import bits.engine.jobs.JobTransitions;
import bits.engine.jobs.TransferControl;
import bits.engine.model.JobRecord;

/**
 * Decides which jobs are on the wire, like BITS: every FOREGROUND job at once (up to a limit); background jobs by
 * priority, a configured number at a time, a higher priority preempting a lower one at its next write, equal
 * priorities taking turns in time slices (round robin). Transient errors are retried when their time comes.
 */
@Component(service = {}, immediate = true, configurationPid = EngineConfig.PID)
public class Scheduler implements TransferControl {
	static final String HTTP_BUFFER_PROPERTY = "jdk.httpclient.bufsize";
	static final String KEPT_CONNECTIONS_PROPERTY = "http.maxConnections";
	private static final Set<JobPriority> FOREGROUND = EnumSet.of(JobPriority.FOREGROUND);
	private static final Set<JobPriority> BACKGROUND = EnumSet.of(JobPriority.HIGH, JobPriority.NORMAL, JobPriority.LOW);

	@Reference
	private JobTable table;

	@Reference(service = LoggerFactory.class)
	private Logger log;

	private final Map<UUID, JobRun> running = new HashMap<>();
	/** When each job last left the wire, for round robin among equal priorities. */
	private final Map<UUID, Long> lastTurn = new HashMap<>();
	private JobTransitions transitions;
	private Transports transports;
	private ExecutorService workers;
	private ExecutorService http;
	/**
	 * The sets of clients configured and not yet collected, closed when the engine stops: transfers of a former setting
	 * may still use one, and one no run holds any more is left to the collector.
	 */
	private final Set<HttpClients> made = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
	private Thread planner;
	private volatile boolean active;
	private boolean dirty = true;
	private int backgroundSlots;
	private int foregroundSlots;
	/** Files a FOREGROUND run fetches ahead of the one in turn. */
	private int fetchAhead;
	/** The most files fetched ahead, whatever the configuration says: each is a request, two threads and a file open. */
	private static final int MAX_FETCH_AHEAD = 16;
	private long sliceNanos;

	@Activate
	void activate(EngineConfig config) throws Exception {
		transitions = table.transitions();
		// The JDK HTTP client reads its receive buffer size once, from this property; 256 KiB instead of the default
		// 16 KiB makes a download 2-3x faster (shared/reference/TRANSFER-PERF.md, bench/). A value set by the user wins.
		if (System.getProperty(HTTP_BUFFER_PROPERTY) == null) {
			System.setProperty(HTTP_BUFFER_PROPERTY, "262144");
		}
		// plain http's connections (PlainHttp) are kept for the next request up to this many per server, 5 by default:
		// fewer than a few jobs fetching ahead use, and a connection not kept is a new one for the next small file
		if (System.getProperty(KEPT_CONNECTIONS_PROPERTY) == null) {
			System.setProperty(KEPT_CONNECTIONS_PROPERTY, "32");
		}
		workers = Executors.newCachedThreadPool(threads("bits-transfer-"));
		http = Executors.newCachedThreadPool(threads("bits-http-"));
		synchronized (this) {
			configure(config);
		}
		transitions.requeueOrphans(); // runs a previous scheduler instance did not hand back
		active = true;
		planner = new Thread(this::plan, "bits-scheduler");
		planner.setDaemon(true);
		planner.start();
		table.attach(this);
	}

	/**
	 * A configuration change is taken in place: running transfers go on with the settings they started with, the
	 * next ones (after a time slice at most) take the new ones; concurrency and the slice apply at the next plan.
	 */
	@Modified
	synchronized void modified(EngineConfig config) {
		try {
			configure(config);
		} catch (IOException | GeneralSecurityException e) {
			// the trust store cannot be read: nothing changes, as at a start it would keep the engine from starting
			log.error("the new configuration is not applied, the previous one stays: {}", e.getMessage());
			return;
		}
		dirty = true;
		notifyAll();
	}

	/** Everything is built before anything is replaced: a bad setting changes nothing. */
	private void configure(EngineConfig config) throws IOException, GeneralSecurityException {
		HttpClients clients = new HttpClients(http, Duration.ofMillis(config.connect_timeout_ms()), config.trust_store(),
				config.trust_store_password());
		made.add(clients);
		HttpDownloader downloader = new HttpDownloader(clients, transitions, Duration.ofMillis(config.read_timeout_ms()), config.max_redirects());
		Throttle throttle = config.background_bandwidth() > 0 ? new Throttle(config.background_bandwidth()) : Throttle.UNLIMITED;
		List<Path> roots = FileRoots.of(config.file_roots());
		Duration readTimeout = Duration.ofMillis(config.read_timeout_ms());
		Uploaders uploaders = new Uploaders(transitions, new BitsUploader(clients, transitions, readTimeout, roots, workers, log),
				new TusUploader(clients, transitions, readTimeout, roots, workers, log));
		transports = new Transports(transitions, downloader, uploaders, new FileCopier(transitions, roots), throttle, workers);
		backgroundSlots = Math.max(1, config.background_concurrency());
		foregroundSlots = Math.max(1, config.foreground_concurrency());
		fetchAhead = Math.min(MAX_FETCH_AHEAD, Math.max(0, config.fetch_ahead()));
		sliceNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(100, config.time_slice_ms()));
	}

	@Deactivate
	void deactivate() throws InterruptedException {
		table.attach(null);
		synchronized (this) {
			active = false;
			// back to the queue, not left CONNECTING/TRANSFERRING: the next scheduler (after the engine bundle restarts,
			// or the job table is replaced) must find them runnable
			running.values().forEach(r -> r.stop(JobRun.Stop.YIELD));
			notifyAll();
		}
		planner.join(10_000);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		// the pool is shut only once the runs ended: a run finishing the file it was on still hands the file's sync
		// and group commit to the pool, and a refused sync made the job a transient error (retried minutes later)
		// and dropped the small files completed but not yet recorded
		try {
			synchronized (this) {
				long left;
				while (!running.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
					TimeUnit.NANOSECONDS.timedWait(this, left);
				}
			}
		} finally {
			workers.shutdown();
		}
		try {
			if (workers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
				closeClients(); // not under a transfer that did not stop: the JVM's exit then waits for their threads instead
			} else {
				log.warn("transfers still running 30 s after the engine was asked to stop");
			}
		} finally {
			http.shutdownNow();
		}
	}

	private void closeClients() {
		List<HttpClients> all;
		synchronized (made) {
			all = List.copyOf(made);
		}
		all.forEach(HttpClients::close);
	}

	@Override
	public void closeUpload(JobRecord job) {
		transports().uploads().close(job);
	}

	@Override
	public void cancelUpload(JobRecord job) {
		transports().uploads().cancel(job);
	}

	private synchronized Transports transports() {
		return transports;
	}

	@Override
	public synchronized void jobsChanged() {
		dirty = true;
		notifyAll();
	}

	@Override
	public void stopAndWait(UUID job) {
		JobRun run;
		synchronized (this) {
			run = running.get(job);
			if (run == null) {
				return;
			}
			run.stop(JobRun.Stop.HALT);
			while (running.get(job) == run) {
				try {
					wait(100);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	@Override
	public synchronized void stop(UUID job) {
		JobRun run = running.get(job);
		if (run != null) {
			run.stop(JobRun.Stop.HALT);
		}
	}

	void finished(JobRun run) {
		transitions.runEnded(run.job); // a round trip in a shared store: not under this lock
		synchronized (this) {
			running.remove(run.job, run);
			lastTurn.put(run.job, System.nanoTime());
			dirty = true;
			notifyAll();
		}
	}

	private void plan() {
		while (true) {
			Instant nextRetry;
			Set<UUID> live; // their runs retry them in place: not promoted (a run that ends sets dirty again)
			synchronized (this) {
				if (!active) {
					return;
				}
				dirty = false;
				live = Set.copyOf(running.keySet());
			}
			try {
				nextRetry = transitions.promoteDueRetries(Instant.now(), live);
				if (table.shared()) {
					claim();
				} else {
					schedule(transitions.queued());
				}
			} catch (RuntimeException e) {
				log.error("scheduling failed", e);
				nextRetry = null;
			}
			synchronized (this) {
				long waitMs = running.isEmpty() ? 5_000 : 250; // time slices are checked while jobs run
				if (nextRetry != null) {
					waitMs = Math.min(waitMs, Math.max(1, Duration.between(Instant.now(), nextRetry).toMillis()));
				}
				if (!dirty && active) {
					try {
						wait(waitMs);
					} catch (InterruptedException e) {
						return;
					}
				}
			}
		}
	}

	/** @param queued the queued jobs as they were a moment ago: a job changed since is checked again when it begins */
	private synchronized void schedule(List<JobRecord> queued) {
		List<JobRecord> background = new ArrayList<>();
		long foreground = running.values().stream().filter(r -> !r.priority.isBackground()).count();
		for (JobRecord job : queued) {
			JobPriority p = job.settings().priority();
			if (running.containsKey(job.id())) {
				continue;
			}
			if (!p.isBackground()) {
				if (foreground < foregroundSlots) {
					start(job, p);
					foreground++;
				}
			} else {
				background.add(job);
			}
		}
		// waiting background jobs: best priority first, then the one that waited longest
		background.sort(Comparator.comparing((JobRecord j) -> j.settings().priority())
				.thenComparing(j -> lastTurn.getOrDefault(j.id(), Long.MIN_VALUE)));
		List<JobRun> onWire = running.values().stream().filter(r -> r.priority.isBackground()).toList();
		int free = backgroundSlots - onWire.size();
		for (JobRecord job : background) {
			JobPriority p = job.settings().priority();
			if (free > 0) {
				start(job, p);
				free--;
				continue;
			}
			// preempt a lower priority at once; an equal one when its time slice is over (round robin)
			for (JobRun r : onWire) {
				boolean lower = r.priority.compareTo(p) > 0;
				boolean sliceOver = r.priority == p && System.nanoTime() - r.startedNanos > sliceNanos;
				if (!r.stopRequested() && (lower || sliceOver)) {
					r.stop(JobRun.Stop.YIELD);
					break;
				}
			}
		}
	}

	/** At most this many jobs claimed in one round trip: free slots are filled together, not one by one. */
	private static final int CLAIMS_AT_ONCE = 16;

	/**
	 * Engines sharing the store (SPEC C2): free slots are filled by claims from the shared queue, which orders by
	 * priority and then by turn; a background job on the wire yields to a waiting one of a higher priority at once, and
	 * to an equal one when its time slice is over (the queue then puts it behind those that waited).
	 */

	private void claim() {
		// the claims' round trips to the database are made without this scheduler's lock, which the job table's
		// changes take to tell it of new work
		for (Set<JobPriority> kind : List.of(FOREGROUND, BACKGROUND)) {
			while (true) {
				Set<UUID> busy;
				long free;
				synchronized (this) {
					long onWire = running.values().stream().filter(r -> r.priority.isBackground() == (kind == BACKGROUND)).count();
					free = (kind == BACKGROUND ? backgroundSlots : foregroundSlots) - onWire;
					if (!active || free <= 0) {
						break;
					}
					busy = Set.copyOf(running.keySet()); // stopping runs: their jobs are not claimed again until they end
				}
				List<JobRecord> jobs = table.claim(kind, busy, (int) Math.min(free, CLAIMS_AT_ONCE));
				if (jobs.isEmpty()) {
					break;
				}
				synchronized (this) {
					for (JobRecord job : jobs) {
						start(job, job.settings().priority());
					}
				}
			}
		}
		synchronized (this) {
			if (running.values().stream().noneMatch(r -> r.priority.isBackground())) {
				return; // nothing on the wire yields: the queue, thousands of jobs in a fleet's table, is not copied at each change
			}
		}
		List<JobRecord> queued = transitions.queued();
		synchronized (this) {
			JobPriority best = queued.stream().map(j -> j.settings().priority()).filter(JobPriority::isBackground).min(Comparator.naturalOrder())
					.orElse(null);
			if (best == null) {
				return;
			}
			for (JobRun r : running.values()) {
				if (!r.priority.isBackground()) {
					continue;
				}
				boolean lower = r.priority.compareTo(best) > 0;
				boolean sliceOver = r.priority == best && System.nanoTime() - r.startedNanos > sliceNanos;
				if (!r.stopRequested() && (lower || sliceOver)) {
					r.stop(JobRun.Stop.YIELD);
					return;
				}
			}
		}
	}

	private void start(JobRecord job, JobPriority priority) {
		JobRun run = new JobRun(job.id(), priority, job.type(), transports, transitions, this, log, priority.isBackground() ? 0 : fetchAhead, workers);
		running.put(job.id(), run);
		if (!active) { // stopping meanwhile: the run gives the job back to the queue at once, and the stop need not wait for it
			run.stop(JobRun.Stop.YIELD);
		}
		workers.execute(run);
	}

	private static ThreadFactory threads(String prefix) {
		AtomicInteger n = new AtomicInteger();
		return r -> {
			Thread t = new Thread(r, prefix + n.incrementAndGet());
			t.setDaemon(true);
			return t;
		};
	}
}
