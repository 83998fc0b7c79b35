package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_EMPTY;
import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.E_ACCESSDENIED;
import static bits.api.ErrorCodes.E_INVALIDARG;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import bits.api.CompleteResult;
import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.FileSpec;
import bits.api.HandlerInfo;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobProgress;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.ValidationState;
import bits.engine.config.DataArea;
import bits.engine.config.EngineConfig;
import bits.engine.files.FileRoots;
import bits.engine.files.ReplyFiles;
import bits.engine.files.TemporaryFiles;
import bits.engine.model.Claim;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.JournalEntry;
import bits.engine.model.Notice;
import bits.engine.store.FencedException;
import bits.engine.store.JobStore;
import bits.engine.store.JobStores;
import bits.engine.store.Secrets;
import bits.engine.store.SharedQueue;
import bits.engine.store.SqliteLibrary;
import bits.engine.store.StaleRecordException;
import bits.engine.store.StoreException;

/**
 * Every job of the engine, and the only writer of job state (SPEC §2). A change is a command computed on the job's
 * immutable record, persisted in one store transaction, and only then made current; if the command or the store
 * fails, nothing changed. One lock, private to this class, orders the changes; readers take none. Transfers report
 * through {@link JobTransitions}, by job id and file index.
 */
@Component(service = JobTable.class, immediate = true, configurationPid = EngineConfig.PID)
@Designate(ocd = EngineConfig.class)
public class JobTable {
	/** The framework (or system) property naming the store directory when the configuration does not. */
	public static final String STORE_PROPERTY = "bits.store.directory";

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Reference
	private HandlerCatalog handlers;

	private final Object lock = new Object();
	/** How many ended jobs a late view still finds with their final state. */
	private static final int ENDED_KEPT = 1024;
	/** The most new jobs stored in one transaction. */
	private static final int MAX_CREATION_GROUP = 256;

	private final Map<UUID, JobSlot> jobs = new LinkedHashMap<>(); // guarded by lock
	private final WaitingJobs waiting = new WaitingJobs(); // guarded by lock
	private final JobIndex index = new JobIndex(); // guarded by lock
	/** New jobs, stored in groups: concurrent creates share a transaction and a sync (SPEC J9). */
	private final CommitGroups<Creation> creations = new CommitGroups<>(this::storeCreated, MAX_CREATION_GROUP);
	/** Jobs that ended lately, oldest first: a view made from an older record shows the final state, never a live copy. */
	private final Map<UUID, JobSlot> ended = new LinkedHashMap<>(); // guarded by lock
	private JobStore store;
	private Path storeDirectory; // as opened
	private Path keyFile; // as opened
	private String storeUrl; // as opened
	/** The queue of engines sharing the store, or {@code null}: this engine has the store to itself. */
	private SharedQueue queue;
	private SharedJobs shared;
	/** The claims under which this engine's transfers run (a shared store): their reports are fenced by them. */
	private final Map<UUID, Claim> runs = new HashMap<>(); // guarded by lock
	private volatile Limits limits;
	private volatile List<Path> sharedRoots = List.of();
	private final JobTransitions transitions = new JobTransitions(this);
	private final LiveCallbacks callbacks = new LiveCallbacks();
	private final LiveBytes live = new LiveBytes();
	private BundleContext context;
	private volatile TransferControl control = TransferControl.NONE;
	private final List<Notifier> notifiers = new CopyOnWriteArrayList<>();
	private volatile ChangeFeed feed; // the notifiers, told of the changes in commit order
	private final ThreadLocal<Batch> batch = new ThreadLocal<>();
	private ScheduledExecutorService chores;
	private Acknowledgements acknowledgements;
	private PinnedRequest requests;

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		feed = new ChangeFeed(notifiers, log);
		context.addBundleListener(callbacks);
		limits = new Limits(config);
		sharedRoots = FileRoots.of(config.store_shared_roots());
		Path dir = Housekeeping.storeDirectory(context, config);
		keyFile = keyFile(context, config);
		storeUrl = config.store_url();
		if (storeUrl.isBlank() && "store".equals(context.getProperty(SqliteLibrary.PROPERTY))) {
			try {
				SqliteLibrary.keepIn(dir);
			} catch (IOException | RuntimeException e) {
				log.warn("the SQLite driver's library is not kept in {}: the driver extracts it itself ({})", dir, e.toString());
			}
		}
		JobStore opened = JobStores.open(storeUrl, config.store_user(), config.store_password(), dir, Secrets.open(keyFile),
				Duration.ofSeconds(Math.max(2, config.store_lease_s())), config.engine_name().strip());
		JobStore.Loaded loaded;
		try {
			loaded = opened.load();
		} catch (RuntimeException e) {
			opened.close(); // a store that cannot be read is closed, so that the error, not "in use", is what is reported
			throw e;
		}
		store = opened;
		queue = opened.shared().orElse(null);
		storeDirectory = dir;
		loaded.warnings().forEach(w -> log.error("{}: {}", opened, w));
		synchronized (lock) {
			for (JobRecord job : loaded.jobs()) {
				// a transfer cut off by a crash or stop resumes from its last checkpoint (SPEC J7); in a shared store
				// another engine may be running it, and a takeover requeues it if that engine is dead (SPEC C4)
				enter(new JobSlot(queue == null && job.running() ? job.with(b -> b.state(JobState.QUEUED)) : job, waiting, index));
			}
		}
		log.info("{} opened with {} jobs", opened, loaded.jobs().size());
		chores = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "bits-jobs");
			t.setDaemon(true);
			return t;
		});
		acknowledgements = new Acknowledgements(store, chores);
		new Housekeeping(this, log).start(chores);
		if (queue != null) {
			shared = new SharedJobs(this, queue, chores, log);
			requests = new PinnedRequest(this, queue, log);
			callbacks.onInvalidation(invalid -> {
				try {
					chores.execute(() -> invalid.forEach(this::callbackGoneHere));
				} catch (RejectedExecutionException e) {
					// stopping: leaving the queue ends this engine's live callbacks
				}
			});
			shared.start();
			log.info("engine {} named {} shares the store with the engines of its queue (lease {} s); jobs with files outside store.shared.roots {}"
					+ " are pinned to the engines named {}", queue.engine(), queue.name(), queue.lease().toSeconds(), sharedRoots, queue.name());
		}
		handlers.attachJobs(this::namedHandlerIds);
	}

	/**
	 * A configuration change is taken in place: the store stays open and every {@code TransferJob} handle valid. The
	 * limits and defaults apply from now on; the store's directory, URL and secrets key only when the engine bundle next
	 * starts (a store cannot move under open jobs).
	 */
	@Modified
	void modified(EngineConfig config) {
		limits = new Limits(config);
		sharedRoots = FileRoots.of(config.store_shared_roots());
		if (!Housekeeping.storeDirectory(context, config).equals(storeDirectory) || !keyFile(context, config).equals(keyFile)
				|| !config.store_url().equals(storeUrl)) {
			log.warn("store.directory, store.url and secrets.key.file apply when the engine next starts; the {} stays open", store);
		}
	}

	@Deactivate
	void deactivate() {
		if (shared != null) {
			shared.stop();
		}
		handlers.attachJobs(null);
		context.removeBundleListener(callbacks);
		chores.shutdown();
		try {
			chores.awaitTermination(10, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		acknowledgements.flush();
		store.close();
	}

	private static Path keyFile(BundleContext context, EngineConfig config) {
		return config.secrets_key_file().isEmpty() ? DataArea.file(context, "secrets.key") : Path.of(config.secrets_key_file());
	}

	/** @return the directory of the open store */
	public Path storeDirectory() {
		return storeDirectory;
	}

	/** Forgets the journal entries recorded before {@code before}. */
	void pruneJournal(Instant before) {
		store.transaction(w -> w.pruneJournal(before));
		store.sync();
	}

	/** @return the handler ids (as set, perhaps with a version range) that jobs not yet final name (SPEC H9) */
	private Set<String> namedHandlerIds() {
		Set<String> named = new HashSet<>();
		for (JobRecord job : jobs()) {
			if (!job.state().isFinal() && job.settings().handlerId() != null) {
				named.add(job.settings().handlerId());
			}
		}
		return named;
	}

	// --- for the other packages: snapshots and reports ---------------------------------------------------------

	/** Lets the scheduler be told of changes; {@code null} detaches it. */
	public void attach(TransferControl control) {
		this.control = control == null ? TransferControl.NONE : control;
		this.control.jobsChanged();
	}

	/** Lets a notifier (the dispatcher, the EventAdmin bridge) be told of changes. */
	public void attachNotifier(Notifier n) {
		notifiers.add(n);
	}

	public void detachNotifier(Notifier n) {
		notifiers.remove(n);
	}

	/** @return every job as it is now, oldest first */
	public List<JobRecord> jobs() {
		List<JobRecord> result = new ArrayList<>();
		for (JobSlot s : slots()) {
			result.add(s.record());
		}
		return result;
	}

	/** @return the QUEUED jobs, in the table's order, without a scan of the table */
	public List<JobRecord> queued() {
		synchronized (lock) {
			return waiting.queued();
		}
	}

	/** @return the jobs in TRANSIENT_ERROR, in the table's order, without a scan of the table or the queue */
	public List<JobRecord> retrying() {
		synchronized (lock) {
			return waiting.retrying();
		}
	}

	/** @return the job as it is now; empty once it is final (cancelled, acknowledged) */
	public Optional<JobRecord> job(UUID id) {
		JobSlot s = slot(id);
		return s == null ? Optional.empty() : Optional.of(s.record());
	}

	/** @return the job's progress, with the bytes received since its last checkpoint */
	public JobProgress progress(JobRecord job) {
		return job.progress(live.of(job.id()));
	}

	public JobTransitions transitions() {
		return transitions;
	}

	public LiveCallbacks callbacks() {
		return callbacks;
	}

	/**
	 * @param job the job as a notifier was given it, perhaps older than its current state
	 * @return a view of the job for a callback or a listener, acting for the bundle that registered it, showing its
	 *         current state (final if it ended); empty if it ended so long ago that its final state is no longer known
	 */
	public Optional<TransferJob> view(JobRecord job, Bundle caller) {
		JobSlot s;
		synchronized (lock) {
			s = jobs.get(job.id());
			if (s == null) {
				s = ended.get(job.id());
			}
		}
		if (s == null && job.state().isFinal()) {
			s = new JobSlot(job); // final: every change through it is refused
		}
		return Optional.ofNullable(s).map(slot -> new JobHandle(this, slot, caller));
	}

	/** Records (or clears, with {@code null}) the last failure to deliver a notification; not a modification. */
	public void notificationError(UUID id, JobError error) {
		report(id, false, c -> {
			if (!Objects.equals(c.job().notificationError(), error)) {
				c.set(b -> b.notificationError(error));
			}
			return null;
		});
	}

	/** A callback acknowledged a notification: it leaves the outbox (removed from the store in a batch). */
	public void acknowledge(UUID id, Notice notice) {
		synchronized (lock) {
			JobSlot s = jobs.get(id);
			if (s != null && s.record().notices().contains(notice)) {
				List<Notice> rest = new ArrayList<>(s.record().notices());
				rest.remove(notice);
				s.set(s.record().with(b -> b.notices(rest)));
				acknowledgements.add(notice.id());
			}
		}
	}

	/**
	 * @see JobStore#journal
	 * @return entries whose changes are current: under the lock, so never one committed whose record is not yet in place
	 */
	List<JournalEntry> journal(long afterId, String owner, UUID job, int limit) {
		synchronized (lock) {
			return store.journal(afterId, owner, job, limit);
		}
	}

	long lastJournalId() {
		return store.lastJournalId();
	}

	Limits limits() {
		return limits;
	}

	LiveBytes live() {
		return live;
	}

	TransferControl control() {
		return control;
	}

	// --- engines sharing the store (SPEC C2-C6) ----------------------------------------------------------------

	/** @return whether engines share the store: the scheduler then claims jobs from their queue (SPEC C2) */
	public boolean shared() {
		return queue != null;
	}

	/**
	 * Claims the next queued jobs among these priorities from the engines' queue, up to {@code max}; each one's
	 * transfer reports under its claim until {@link #runEnded}.
	 *
	 * @param running the jobs a transfer of this engine still runs (stopping): not claimed again before it ended
	 * @return the jobs, CONNECTING, claimed by this engine; empty if none is queued
	 */
	public List<JobRecord> claim(Set<JobPriority> priorities, Set<UUID> running, int max) {
		List<JobRecord> claimed = queue.claim(priorities, running, max);
		for (JobRecord job : claimed) {
			synchronized (lock) {
				runs.put(job.id(), job.claimed());
			}
			apply(job.id(), Optional.of(job));
		}
		return claimed;
	}

	/** @return whether this engine holds the job's current claim */
	public boolean claimedHere(UUID id) {
		synchronized (lock) {
			Claim run = runs.get(id);
			JobSlot s = jobs.get(id);
			return run != null && s != null && s.record().running() && run.equals(s.record().claimed());
		}
	}

	/**
	 * In a shared store one engine at a time delivers a notification (SPEC C5); another takes it over when the hold
	 * ends. With one engine, always.
	 *
	 * @return whether this engine may deliver it now
	 */
	public boolean claimNotice(Notice notice, Duration hold) {
		return queue == null || queue.claimNotice(notice.id(), hold);
	}

	/** This engine cannot deliver the notification it claimed (it cannot provision the handler): another engine may. */
	public void releaseNotice(Notice notice) {
		if (queue != null) {
			queue.releaseNotice(notice.id());
		}
	}

	/**
	 * @return whether the job's live callback is registered on another engine sharing the store: that engine delivers its
	 *         notifications, and this one does not call the handler meanwhile (SPEC C5)
	 */
	public boolean callbackElsewhere(JobRecord job) {
		return queue != null && job.callbackEngine() != null && !job.callbackEngine().equals(queue.engine());
	}

	/**
	 * This engine's transfer of the job ended: it reports nothing more under its claim. A job stopped by its owner (here
	 * or on another engine) keeps the claim until now, so that no engine transfers it, and no engine completes or
	 * cancels it, while this transfer still holds its files; now the claim is let go (SPEC C2, C6).
	 */
	public void runEnded(UUID id) {
		Claim run;
		JobSlot s;
		synchronized (lock) {
			run = runs.remove(id);
			s = jobs.get(id);
			if (run == null || s == null || !run.equals(s.record().claimed()) || s.record().running()) {
				return;
			}
		}
		try {
			write(s, false, false, run, c -> {
				if (!c.job().running() && run.equals(c.job().claimed())) {
					c.set(b -> b.claim(null));
				}
				return null;
			});
		} catch (RuntimeException e) { // fenced meanwhile, or the store is down: the next resync lets go (releaseOrphan)
			log.debug("job {}: the end of this engine's transfer is not recorded now: {}", id, e.toString());
		}
	}

	/** @return whether a transfer of this engine runs the job (it may be stopping) */
	boolean running(UUID id) {
		synchronized (lock) {
			return runs.containsKey(id);
		}
	}

	/**
	 * In a shared store, waits until no engine's transfer holds the job's files: the claim of a transfer stopped
	 * elsewhere is let go when it ended, or taken over when its engine's lease expired.
	 *
	 * @throws TransferException if it is still held after the lease and 5 s
	 */
	private void awaitLetGo(JobSlot slot) {
		if (queue == null) {
			return;
		}
		JobRecord r = awaitRecord(slot, x -> x.claim() == null || x.state().isFinal(), System.nanoTime() + queue.lease().plusSeconds(5).toNanos());
		if (r.claim() != null && !r.state().isFinal()) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + r.id() + " is still held by the transfer of engine " + r.claim()
					+ " (unreachable, its lease not yet expired); the job is " + r.state() + " now: try again");
		}
	}

	/**
	 * Waits until the job's record, as this engine knows it (a shared store's announcements keep it current), meets the
	 * condition, or until the deadline ({@link System#nanoTime()}).
	 *
	 * @return the record then
	 */
	JobRecord awaitRecord(JobSlot slot, Predicate<JobRecord> condition, long deadline) {
		synchronized (lock) {
			while (!condition.test(slot.record())) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					break;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(lock, left);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					break;
				}
			}
			return slot.record();
		}
	}

	/**
	 * The job's live callback on this engine became invalid (its bundle stopped, or the store says none is registered
	 * here): the job no longer waits for this engine to deliver (SPEC C5).
	 */
	void callbackGoneHere(UUID id) {
		try {
			report(id, false, c -> {
				if (queue.engine().equals(c.job().callbackEngine()) && callbacks.get(id).isEmpty()) {
					c.set(b -> b.callbackEngine(null));
				}
				return null;
			});
		} catch (RuntimeException e) { // the store is down: the next resync tries again
			log.debug("job {}: the end of its live callback on this engine is not recorded now: {}", id, e.toString());
		}
	}

	/** This engine lost its lease: the claims of its transfers went back to the queue, so the transfers stop. */
	void lostClaims() {
		List<UUID> running;
		synchronized (lock) {
			running = new ArrayList<>(runs.keySet());
		}
		running.forEach(control::stop);
	}

	/**
	 * A job the store says this engine claimed, though no transfer of this engine runs it (the claim's answer was lost,
	 * or its transfer ended without recording its outcome): back to the queue, so that it is not held until this
	 * engine's lease ends.
	 */
	void releaseOrphan(UUID id) {
		report(id, true, c -> {
			boolean orphan;
			synchronized (lock) {
				orphan = !runs.containsKey(id);
			}
			if (orphan && queue.engine().equals(c.job().claim())) {
				if (c.job().running()) {
					log.warn("job {} was claimed by this engine but no transfer runs it: back to the queue", id);
					c.set(b -> b.state(JobState.QUEUED));
					c.requeue();
				} else { // stopped, but the run's letting go was not recorded
					c.set(b -> b.claim(null));
				}
			}
			return null;
		});
		control.jobsChanged();
	}

	/** @return this engine's id in the shared queue */
	String engine() {
		return queue.engine();
	}

	/** @return the ids of the jobs in the table now */
	Set<UUID> ids() {
		synchronized (lock) {
			return new HashSet<>(jobs.keySet());
		}
	}

	JobStore store() {
		return store;
	}

	/**
	 * Makes the job as stored current in the table (a shared store: another engine, or a claim, changed it; empty: it
	 * ended). A job this engine transfers keeps its files' progress in memory; if the store says it is no longer this
	 * engine's to transfer (suspended, cancelled or taken over), its transfer stops (SPEC C6).
	 */
	void apply(UUID id, Optional<JobRecord> stored) {
		apply(id, stored, null);
	}

	/** As {@link #apply(UUID, Optional)}; @param endedAs for a job that ended, the final state its engine announced, if known */
	void apply(UUID id, Optional<JobRecord> stored, JobState endedAs) {
		JobRecord after;
		boolean stop;
		boolean gone = stored.isEmpty();
		synchronized (lock) {
			JobSlot s = jobs.get(id);
			Claim run = runs.get(id);
			if (gone) {
				if (s == null) {
					return;
				}
				JobRecord job = s.record();
				// ended by another engine: as it announced; else completed if it was transferred, cancelled if not
				JobState ending = endedAs != null ? endedAs : job.state() == JobState.TRANSFERRED ? JobState.ACKNOWLEDGED : JobState.CANCELLED;
				after = job.with(b -> b.state(ending));
				s.set(after);
				leave(s);
				transitions.forgetInterruptions(id);
				ended.put(id, s);
				if (ended.size() > ENDED_KEPT) {
					ended.remove(ended.keySet().iterator().next());
				}
				callbacks.forget(id);
				live.forget(id);
				stop = run != null;
			} else {
				JobRecord read = stored.get();
				// a notification acknowledged here whose removal is not yet flushed to the store stays acknowledged
				JobRecord r = read.notices().stream().anyMatch(n -> acknowledgements.pending(n.id()))
						? read.with(b -> b.notices(read.notices().stream().filter(n -> !acknowledgements.pending(n.id())).toList()))
						: read;
				if (run != null && r.epoch() < run.epoch()) {
					return; // read before this engine's claim committed: older than what the claim made current
				}
				if (s == null) {
					after = r;
					enter(new JobSlot(r, waiting, index));
				} else {
					JobRecord before = s.record();
					if (r.version() < before.version() || r.equals(before)) {
						return;
					}
					// the files' progress this engine's transfer keeps in memory (unsynced small files) stays, and so does
					// its TRANSFERRING not recorded yet (transferringUnrecorded); a claim just made takes the files as stored
					boolean keep = run != null && run.equals(before.claimed());
					boolean transferring = keep && before.state() == JobState.TRANSFERRING && r.state() == JobState.CONNECTING
							&& run.equals(r.claimed());
					after = !keep ? r : r.with(b -> {
						for (FileRecord f : before.files()) {
							b.file(f);
						}
						if (transferring) { // as told, at the time told: a read of the row is no new change of it
							b.state(JobState.TRANSFERRING).modified(r.modified().isAfter(before.modified()) ? r.modified() : before.modified());
						}
					});
					if (after.equals(before)) {
						return;
					}
					if (queue != null && queue.engine().equals(before.callbackEngine()) && !queue.engine().equals(after.callbackEngine())) {
						callbacks.forget(id); // replaced by a registrant on another engine, or cleared there (SPEC C5)
					}
					s.set(after);
				}
				stop = run != null && !(r.running() && run.equals(r.claimed()));
			}
			lock.notifyAll(); // awaitLetGo, PinnedRequest
			feed.stored(after);
		}
		JobRecord changed = after;
		if (stop) { // on a thread of its own: a transfer may take up to its read timeout to let go of its files
			Thread stopper = new Thread(() -> {
				control.stopAndWait(id);
				if (gone) { // cancelled elsewhere: the partial files here are of no use
					Housekeeping.deleteTemporaries(changed.files(), log);
				}
			}, "bits-stop-" + id);
			stopper.setDaemon(true);
			stopper.start();
		}
		Runnable tell = () -> {
			feed.tell();
			control.jobsChanged();
		};
		if (Thread.holdsLock(lock)) {
			// not under the table's lock (a write that found its record stale): the scheduler takes its own lock and
			// then this one
			chores.execute(tell);
		} else {
			tell.run();
		}
	}

	/** Reads the job again now and makes it current; @return whether it is still in the store */
	boolean refreshNow(UUID id) {
		Optional<JobRecord> stored = store.load(id);
		apply(id, stored);
		return stored.isPresent();
	}

	// --- the one way a job changes ------------------------------------------------------------------------------

	/** A command: computes a change of one job on its record; it may refuse by throwing, and then nothing changes. */
	interface Command<T> {
		T apply(Change change);
	}

	/** Changes a job that is not final, as its owner asks: a modification (its time, a notification). */
	<T> T update(JobSlot slot, Command<T> command) {
		if (deferred(slot, command)) {
			return null;
		}
		return write(slot, true, true, null, command);
	}

	/**
	 * Changes a job as a transfer or a callback reports; a job that meanwhile became final (or is unknown) is left
	 * alone, and {@code null} returned.
	 *
	 * @param modification whether the change counts as one: its time, a notification
	 */
	<T> T report(UUID id, boolean modification, Command<T> command) {
		JobSlot s = slot(id);
		return s == null ? null : write(s, modification, false, null, command);
	}

	/**
	 * As {@link #report}, for what a transfer of this engine reports: in a shared store, conditional on the claim it
	 * runs under (SPEC C3).
	 *
	 * @throws ClaimLost if the job is no longer this engine's to transfer
	 */
	<T> T transfer(UUID id, boolean modification, Command<T> command) {
		JobSlot s = slot(id);
		if (s == null) {
			return null;
		}
		Claim claim = null;
		if (queue != null) {
			synchronized (lock) {
				claim = runs.get(id);
			}
			if (claim == null) {
				throw notTransferredHere(id);
			}
		}
		return write(s, modification, false, claim, command);
	}

	/**
	 * Under the lock: the command computes the change; if it changed anything, one transaction persists it, and the
	 * new record becomes current. Then, without the lock: the commit is made durable before the caller goes on, and
	 * the notifiers are told, after every change committed before it ({@link ChangeFeed}).
	 */
	private <T> T write(JobSlot slot, boolean modification, boolean refuseFinal, Claim fence, Command<T> command) {
		for (int attempt = 1;; attempt++) {
			try {
				return writeOnce(slot, modification, refuseFinal, fence, command);
			} catch (FencedException e) {
				throw new ClaimLost(e.getMessage());
			} catch (StaleRecordException e) {
				// another engine changed the job since this one read it: read it again and compute the change anew
				if (attempt == 10 || !refreshNow(slot.record().id())) {
					if (refuseFinal) {
						throw new TransferException(BG_E_INVALID_STATE, "job " + slot.record().id() + " ended or keeps changing on another engine");
					}
					return null;
				}
			}
		}
	}

	private <T> T writeOnce(JobSlot slot, boolean modification, boolean refuseFinal, Claim fence, Command<T> command) {
		T result;
		JobRecord before;
		JobRecord after;
		ChangeFeed.Entry told = null;
		synchronized (lock) {
			before = slot.record();
			if (before.state().isFinal()) {
				if (refuseFinal) {
					throw new TransferException(BG_E_INVALID_STATE, "job " + before.id() + " is " + before.state() + ", a final state");
				}
				return null;
			}
			Change change = new Change(before);
			result = command.apply(change);
			if (!change.changed()) {
				return result;
			}
			modification |= change.isModification();
			if (modification) {
				change.touch(Instant.now());
			}
			if (queue != null && fence == null) {
				// not a transfer's write under its claim (the other engines read those files and notifications every few
				// seconds): they learn of it by the row's new version, such as a notification repeated for a new callback (N7)
				change.writeRow();
			}
			if (fence != null && before.running() && !change.job().running() && change.job().claim() != null) {
				// the claim's own transfer ended it; a stop by anyone else leaves the claim until that transfer let go (runEnded)
				change.set(b -> b.claim(null));
			}
			JobRecord[] persisted = new JobRecord[1];
			store.transaction(w -> {
				if (fence != null) {
					w.fence(change.job().id(), fence);
				}
				persisted[0] = change.persist(w);
			});
			after = persisted[0];
			slot.set(after);
			lock.notifyAll(); // awaitLetGo, PinnedRequest
			if (modification || !after.notices().equals(before.notices())) { // a new notification is the dispatcher's to deliver
				told = feed.committed(after);
			}
		}
		try {
			store.sync();
		} finally {
			if (told != null) { // even if the sync failed: the change is committed, and must not hold back the ones after it
				feed.durable(told);
			}
		}
		return result;
	}

	/** @return the failure of a transfer that reports on a job this engine no longer transfers (a lost claim) */
	private ClaimLost notTransferredHere(UUID id) {
		return new ClaimLost("job " + id + " is not transferred by this engine (" + queue.engine() + ")");
	}

	/**
	 * In a shared store, CONNECTING → TRANSFERRING of a job this engine transfers under its claim (as this engine holds
	 * it), told at once but recorded with the transfer's next write of the job's row (a checkpoint that records
	 * progress, at most a second of data later; or its end, a failure, a stop): every recorded change is announced to
	 * every engine and read by each, which for a small file's transfer would double what all of them do, and nothing
	 * recovers from TRANSFERRING that it does not from CONNECTING (both are queued again). Until then the other engines
	 * show the job CONNECTING; a small file's job goes from CONNECTING to TRANSFERRED there.
	 *
	 * @throws ClaimLost if the job is no longer this engine's to transfer
	 */
	void transferringUnrecorded(UUID id) {
		ChangeFeed.Entry told;
		synchronized (lock) {
			JobSlot s = jobs.get(id);
			Claim run = runs.get(id);
			if (s == null || run == null || !run.equals(s.record().claimed())) {
				throw notTransferredHere(id);
			}
			if (s.record().state() != JobState.CONNECTING) {
				return;
			}
			JobRecord after = s.record().with(b -> b.state(JobState.TRANSFERRING).modified(Instant.now()));
			s.set(after);
			told = feed.committed(after);
		}
		feed.durable(told); // not durable, but nothing to wait for: what a restart reads of it is the same
	}

	/** A change that is not persisted: progress in memory, until the next checkpoint records it. */
	void inMemory(UUID id, Function<JobRecord, JobRecord> change) {
		synchronized (lock) {
			JobSlot s = jobs.get(id);
			if (s != null) {
				s.set(change.apply(s.record()));
			}
		}
	}

	/** Takes a job out of the table in a final state; its rows go, with its files, credentials and outbox. */
	private JobRecord remove(JobSlot slot, JobState finalState) {
		JobRecord ended;
		synchronized (lock) {
			JobRecord job = slot.record();
			if (job.state().isFinal()) {
				throw new TransferException(BG_E_INVALID_STATE, "job " + job.id() + " is " + job.state() + ", a final state");
			}
			store.transaction(w -> w.deleteJob(job.id(), finalState));
			ended = job.with(b -> b.state(finalState).modified(Instant.now()));
			slot.set(ended);
			leave(slot);
			transitions.forgetInterruptions(job.id());
			this.ended.put(job.id(), slot);
			if (this.ended.size() > ENDED_KEPT) {
				this.ended.remove(this.ended.keySet().iterator().next());
			}
			callbacks.forget(job.id());
			live.forget(job.id());
		}
		store.sync();
		return ended;
	}

	/** Under the lock: the slot comes into the table. */
	private void enter(JobSlot slot) {
		jobs.put(slot.record().id(), slot);
		index.added(slot.record());
	}

	/** Under the lock: the slot leaves the table, its job ended. */
	private void leave(JobSlot slot) {
		jobs.remove(slot.record().id());
		index.removed(slot.record());
		waiting.forget(slot);
	}

	private JobSlot slot(UUID id) {
		synchronized (lock) {
			return jobs.get(id);
		}
	}

	private List<JobSlot> slots() {
		synchronized (lock) {
			return new ArrayList<>(jobs.values());
		}
	}

	// --- API operations ---------------------------------------------------------------------------------------

	/**
	 * Creates a job in one durable call (SPEC J9): {@code setup}, if given, calls the new job's setters, {@code addFiles}
	 * and {@code resume} as in a {@link #batch}, and the job is stored with what they set, in one commit that it may
	 * share with concurrent creates, and made durable before this returns. Nobody sees the job before its commit.
	 */
	JobSlot create(String owner, String displayName, JobType type, Consumer<JobSlot> setup) {
		InputChecks.displayName(displayName);
		InputChecks.notNull("job type", type);
		Limits l = limits; // one configuration for the whole call, whatever a change does meanwhile
		JobRecord initial = JobRecord.created(UUID.randomUUID(), owner, type,
				JobSettings.defaults(displayName, l.defaultRetryDelay(), l.defaultNoProgressTimeout()), Instant.now());
		JobSlot slot;
		synchronized (lock) {
			l.checkRoomForJob(index.jobs(), index.owned(owner), owner); // refused before the setup runs; again when stored
			slot = new JobSlot(initial, waiting, index);
		}
		JobRecord job = initial;
		boolean set = false;
		if (setup != null) {
			List<Command<?>> commands = collect(slot, true, () -> setup.accept(slot));
			Change change = new Change(initial);
			commands.forEach(command -> command.apply(change)); // may refuse (resume without files): nothing stored
			job = change.created();
			set = !commands.isEmpty();
		}
		creations.commit(new Creation(slot, job, l, set)); // as a batch on a job that exists, a setup tells of its change
		if (set) {
			control.jobsChanged();
		}
		return slot;
	}

	/** A new job to store: its slot, made outside the table, and its record. */
	private static final class Creation extends CommitGroups.Item {
		final JobSlot slot;
		final JobRecord job;
		final Limits limits;
		final boolean tell;
		ChangeFeed.Entry told; // recorded as it entered the table, told once the group is durable

		Creation(JobSlot slot, JobRecord job, Limits limits, boolean tell) {
			this.slot = slot;
			this.job = job;
			this.limits = limits;
			this.tell = tell;
		}
	}

	/**
	 * Stores a group of new jobs in one transaction and makes it durable; each is checked against the table first (its
	 * quota, its destinations: another create may have taken one since its files were checked) and refused alone.
	 */
	private void storeCreated(List<Creation> group) {
		try {
			storeCreatedOnce(group);
		} finally { // even if the sync failed: what entered the table is committed, and must not hold back later changes
			for (Creation c : group) {
				if (c.told != null) {
					feed.durable(c.told);
				}
			}
		}
	}

	private void storeCreatedOnce(List<Creation> group) {
		synchronized (lock) {
			List<Creation> admitted = new ArrayList<>();
			Map<String, Integer> owned = new HashMap<>();
			Set<Path> destinations = new HashSet<>();
			for (Creation c : group) {
				String owner = c.job.owner();
				try {
					c.limits.checkRoomForJob(index.jobs() + admitted.size(), index.owned(owner) + owned.getOrDefault(owner, 0), owner);
					List<Path> locals = c.job.files().stream().map(FileRecord::local).toList();
					for (Path local : locals) {
						if (index.taken(local) || destinations.contains(local)) {
							throw new TransferException(E_INVALIDARG, "local path '" + local + "' is already the destination of another file");
						}
					}
					destinations.addAll(locals);
					owned.merge(owner, 1, Integer::sum);
					admitted.add(c);
				} catch (TransferException e) {
					c.fail(e);
				}
			}
			if (admitted.isEmpty()) {
				return;
			}
			try {
				store.transaction(w -> admitted.forEach(c -> w.insertJob(c.job)));
				admitted.forEach(this::entered);
			} catch (StoreException e) {
				if (admitted.size() == 1) {
					throw e;
				}
				// one of them the store refused (in a shared store, a destination another engine's new job took meanwhile):
				// each alone, so that only that one fails
				for (Creation c : admitted) {
					try {
						store.transaction(w -> w.insertJob(c.job));
						entered(c);
					} catch (RuntimeException alone) {
						c.fail(alone);
					}
				}
			}
		}
		store.sync();
	}

	/** Under the lock: a new job, just stored, comes into the table. */
	private void entered(Creation c) {
		enter(c.slot);
		c.slot.set(c.job);
		if (c.tell) {
			c.told = feed.committed(c.job);
		}
	}

	/** @param owner the caller, or {@code null} for every owner */
	JobSlot find(UUID id, String owner) {
		InputChecks.notNull("job id", id);
		JobSlot s = slot(id);
		if (s == null || owner != null && !owner.equals(s.record().owner())) {
			throw new TransferException(BG_E_NOT_FOUND, "no job " + id + (owner == null ? "" : " owned by " + owner));
		}
		return s;
	}

	/** @param owner the caller, or {@code null} for every owner; @return the jobs, oldest first */
	List<JobSlot> list(String owner) {
		List<JobSlot> result = new ArrayList<>();
		for (JobSlot s : slots()) {
			if (owner == null || owner.equals(s.record().owner())) {
				result.add(s);
			}
		}
		return result;
	}

	/**
	 * Runs {@code work}, calls of one job's setters, {@code addFiles} and {@code resume}, as a single change: each call
	 * checks its input at once, and all of them are applied and persisted in one transaction at the end, or none is
	 * (the job's modification time included). For a request that must change all it asks or nothing (SPEC S5).
	 */
	void batch(JobSlot slot, Runnable work) {
		List<Command<?>> commands = collect(slot, false, work);
		if (!commands.isEmpty()) {
			write(slot, true, true, null, c -> {
				commands.forEach(command -> command.apply(c));
				return null;
			});
			control.jobsChanged();
		}
	}

	/** @return the commands {@code work} gave the slot on this thread, checked but not applied */
	private List<Command<?>> collect(JobSlot slot, boolean creating, Runnable work) {
		if (batch.get() != null) {
			throw new IllegalStateException("a batch is already open on this thread");
		}
		Batch b = new Batch(slot, new ArrayList<>(), creating);
		batch.set(b);
		try {
			work.run();
		} finally {
			batch.remove();
		}
		return b.commands;
	}

	/** The commands of a batch on its thread, applied when it ends; {@code creating}: the setup of a new job. */
	private record Batch(JobSlot slot, List<Command<?>> commands, boolean creating) {
	}

	/** What the setup of a new job cannot do: the job is not stored yet. */
	private void refuseWhileCreating(JobSlot slot, String call) {
		Batch b = batch.get();
		if (b != null && b.slot == slot && b.creating) {
			throw new IllegalStateException(call + " is not possible in the setup of a new job: call it on the job that createJob returns");
		}
	}

	/** @return whether the command went to this thread's batch for the job, to be applied when it ends */
	private boolean deferred(JobSlot slot, Command<?> command) {
		Batch b = batch.get();
		if (b == null || b.slot != slot) {
			return false;
		}
		b.commands.add(command);
		return true;
	}

	/** Sets or clears the persistent handler id (SPEC N4): one that nothing provides is refused at once (N6). */
	void setHandlerId(JobSlot slot, String id) {
		String owner = slot.record().owner();
		if (id != null && !handlers.provides(id, owner)) { // not under the lock: it may read a remote index
			throw new TransferException(ErrorCodes.HANDLER_NOT_FOUND,
					"handler " + id + ": no handler service, no installed bundle and no configured repository provides it"
							+ " (for the jobs of " + owner + ": services and bundles count only if the engine installed them,"
							+ " they are listed in handler.bundles, or they are the job's own bundle)");
		}
		update(slot, c -> {
			c.settings(b -> b.handlerId(id));
			return null;
		});
	}

	/**
	 * Sets or clears a job's live callback (SPEC N3, N4). A job that is TRANSFERRED or in ERROR notifies the new
	 * callback again, even if an earlier one was notified (SPEC N7: "you will receive another notification").
	 */
	void setCallback(JobSlot slot, TransferCallback callback, Bundle caller) {
		refuseWhileCreating(slot, "setNotifyCallback");
		boolean repeated;
		ChangeFeed.Entry told = null;
		synchronized (lock) { // the registration and the repeat together: a delivery sees both or neither
			if (slot.record().state().isFinal()) {
				throw new TransferException(BG_E_INVALID_STATE, "job " + slot.record().id() + " is " + slot.record().state() + ", a final state");
			}
			// stored first, then registered: reading the job again meanwhile (another engine's registration) forgets only
			// the registration this one replaces
			repeated = Boolean.TRUE.equals(write(slot, false, true, null, c -> {
				if (queue != null) { // the last registrant on any engine wins (SPEC C5)
					String here = callback == null ? null : queue.engine();
					if (!Objects.equals(c.job().callbackEngine(), here)) {
						c.set(b -> b.callbackEngine(here));
					}
				}
				Notice.Kind repeat = callback == null ? null : NotificationPolicy.repeatedFor(c.job());
				if (repeat != null) {
					c.repeat(repeat);
				}
				return repeat != null;
			}));
			callbacks.set(slot.record().id(), callback, caller);
			if (!repeated) { // the dispatcher learns of the new route (a pending notice may wait for a registrant, N7)
				told = feed.committed(slot.record());
			} // else the write told it, with the repeat
		}
		if (told != null) {
			feed.durable(told);
		}
	}

	/** @return the handler ids the engine knows */
	List<HandlerInfo> handlers() {
		return handlers.list();
	}

	/** Updates the handler bundle the engine installed for the id now (SPEC H7). */
	HandlerInfo updateHandler(String id) {
		return handlers.update(InputChecks.handlerId(InputChecks.notNull("handler id", id)));
	}

	/** A callback judged a transferred file (SPEC N12): invalid fails the job with BG_E_VALIDATION_FAILED. */
	void validate(JobSlot slot, int index, boolean valid) {
		update(slot, c -> {
			FileRecord file = c.job().files().get(index);
			if (!file.completed()) {
				throw new TransferException(BG_E_INVALID_STATE, "file " + index + " of job " + c.job().id() + " is not transferred yet");
			}
			c.file(index, f -> f.withValidation(valid ? ValidationState.VALID : ValidationState.INVALID));
			if (!valid) {
				c.set(b -> b.state(JobState.ERROR).retryAt(null).error(new JobError(ErrorContext.REMOTE_FILE,
						ErrorCodes.BG_E_VALIDATION_FAILED, "file " + index + " (" + file.remote() + ") was marked invalid by a callback", index)));
				c.record(Notice.Kind.JOB_ERROR, -1);
			}
			return null;
		});
		if (!valid) {
			control.stopAndWait(slot.record().id()); // later files of the job stop transferring
		}
	}

	List<FileRecord> addFiles(JobSlot slot, List<FileSpec> specs) {
		List<FileRecord> added;
		Batch open = batch.get();
		boolean batched = open != null && open.slot == slot;
		synchronized (lock) {
			JobRecord job = slot.record();
			if (job.state().isFinal()) {
				throw new TransferException(BG_E_INVALID_STATE, "job " + job.id() + " is " + job.state() + ", a final state");
			}
			if (batched && open.commands.stream().anyMatch(AddedFiles.class::isInstance)) {
				throw new IllegalStateException("one addFiles per batch: the second's indexes would repeat the first's");
			}
			added = new FileAdder(limits, index::taken).check(job, specs); // refused now, before anything is applied
			if (!batched) {
				write(slot, true, true, null, new AddedFiles(added, affinity(), storeDirectory));
			}
		}
		if (batched) {
			open.commands.add(new AddedFiles(added, affinity(), storeDirectory));
		} else {
			control.jobsChanged();
		}
		return added;
	}

	/** @return which engine a job's files tie it to; {@code null} with one engine */
	private Affinity affinity() {
		return queue == null ? null : new Affinity(sharedRoots, queue.name());
	}

	/**
	 * Files added; a TRANSFERRED job has more to transfer: back to the queue, like BITS. Engines sharing a store: a job
	 * with files on this engine's disk is pinned to it, and an upload-reply job that names no reply file gets this
	 * engine's default one, its reply coming to this engine's store: every engine then names the same file.
	 */
	private record AddedFiles(List<FileRecord> files, Affinity affinity, Path store) implements Command<Void> {
		@Override
		public Void apply(Change c) {
			if (affinity != null) {
				String pinned = affinity.pin(c.job(), files);
				if (!Objects.equals(pinned, c.job().pinnedTo())) {
					c.set(b -> b.pinnedTo(pinned));
				}
				if (c.job().type() == JobType.UPLOAD_REPLY && c.job().settings().replyFile() == null) {
					Path reply = ReplyFiles.defaultFile(store, c.job().id());
					c.settings(b -> b.replyFile(reply));
				}
			}
			c.addFiles(files);
			if (c.job().state() == JobState.TRANSFERRED) {
				c.set(b -> b.state(JobState.QUEUED));
			}
			return null;
		}
	}

	void resume(JobSlot slot) {
		update(slot, c -> {
			JobRecord j = c.job();
			switch (j.state()) {
			case SUSPENDED, ERROR, TRANSIENT_ERROR -> {
				if (j.files().isEmpty()) {
					throw new TransferException(BG_E_EMPTY, "job " + j.id() + " has no files to transfer");
				}
				c.set(b -> b.state(j.nextFile() == null ? JobState.TRANSFERRED : JobState.QUEUED).error(null).retryAt(null)
						.lastProgress(Instant.now()));
			}
			default -> { // QUEUED, CONNECTING, TRANSFERRING, TRANSFERRED: nothing to do, like BITS
			}
			}
			return null;
		});
		control.jobsChanged();
	}

	void suspend(JobSlot slot) {
		refuseWhileCreating(slot, "suspend");
		if (stopState(slot, JobState.SUSPENDED)) {
			control.stopAndWait(slot.record().id());
		}
	}

	void cancel(JobSlot slot) {
		refuseWhileCreating(slot, "cancel");
		if (pinnedElsewhere(slot)) {
			requests.ask(slot, PinnedRequest.CANCEL);
			return;
		}
		stopState(slot, JobState.SUSPENDED);
		control.stopAndWait(slot.record().id());
		awaitLetGo(slot);
		JobRecord ended = remove(slot, JobState.CANCELLED);
		Housekeeping.deleteTemporaries(ended.files(), log);
		if (ended.type() != JobType.DOWNLOAD) {
			control.cancelUpload(ended); // the server's session and its data go too (BITS Cancel-Session)
			try {
				TemporaryFiles.delete(ReplyFiles.temporary(storeDirectory, ended.id()), null);
			} catch (IOException e) {
				log.warn("the reply being received for job {} is left in place: {}", ended.id(), e.getMessage());
			}
		}
		feed.tell(ended);
	}

	CompleteResult complete(JobSlot slot) {
		refuseWhileCreating(slot, "complete");
		if (slot.record().type() != JobType.DOWNLOAD) {
			if (pinnedElsewhere(slot)) { // an upload-reply's reply is on that engine's disk, put in place there
				refuseUnlessTransferred(slot.record());
				requests.ask(slot, PinnedRequest.COMPLETE);
				return CompleteResult.COMPLETE;
			}
			return completeUpload(slot);
		}
		if (pinnedElsewhere(slot)) {
			boolean whole = slot.record().files().stream().allMatch(f -> f.completed() && f.validation() != ValidationState.INVALID);
			requests.ask(slot, PinnedRequest.COMPLETE);
			return whole ? CompleteResult.COMPLETE : CompleteResult.PARTIAL_COMPLETE;
		}
		while (true) {
			JobState before = slot.record().state();
			// a TRANSFERRED job runs nothing and stays TRANSFERRED, its notice in the outbox, until its files are in place:
			// a crash in between repeats the notification (N7). Any other state may be transferring: stop it first.
			if (before != JobState.TRANSFERRED) {
				stopState(slot, JobState.SUSPENDED);
				control.stopAndWait(slot.record().id());
			}
			awaitLetGo(slot);
			CompleteResult result;
			JobRecord ended;
			synchronized (lock) {
				JobRecord job = slot.record();
				if (job.state().isFinal()) {
					throw new TransferException(BG_E_INVALID_STATE, "job " + job.id() + " is " + job.state() + ", a final state");
				}
				if (before == JobState.TRANSFERRED && job.state() != JobState.TRANSFERRED) {
					continue; // re-queued meanwhile (addFile): stop it as any other
				}
				try {
					result = Completion.moveIntoPlace(job);
				} catch (TransferException e) {
					if (before != JobState.TRANSFERRED) { // BITS leaves the job as it was; files already renamed stay visible
						write(slot, false, true, null, c -> {
							c.set(b -> b.state(before));
							return null;
						});
					}
					throw e;
				}
				ended = remove(slot, JobState.ACKNOWLEDGED);
			}
			control.jobsChanged();
			feed.tell(ended);
			return result;
		}
	}

	/**
	 * Completes an upload job (SPEC U1): only once TRANSFERRED, by closing its session on the server, which puts the file
	 * in place there; the server is asked outside the table's lock. A failure leaves the job TRANSFERRED, to complete
	 * again.
	 */
	private CompleteResult completeUpload(JobSlot slot) {
		JobRecord job = slot.record();
		refuseUnlessTransferred(job);
		if (job.type() == JobType.UPLOAD_REPLY) {
			placeReply(job); // first: a failure leaves the server's session open, for complete() to try again
		}
		control.closeUpload(job);
		JobRecord ended;
		synchronized (lock) {
			if (slot.record().state() != JobState.TRANSFERRED) {
				throw new TransferException(BG_E_INVALID_STATE, "upload job " + job.id() + " is " + slot.record().state() + " now");
			}
			ended = remove(slot, JobState.ACKNOWLEDGED);
		}
		control.jobsChanged();
		feed.tell(ended);
		return CompleteResult.COMPLETE;
	}

	private static void refuseUnlessTransferred(JobRecord job) {
		if (job.state() != JobState.TRANSFERRED) {
			throw new TransferException(BG_E_INVALID_STATE, "upload job " + job.id() + " is " + job.state()
					+ ": it completes once TRANSFERRED (every byte acknowledged by the server); cancel it otherwise");
		}
	}

	/** Puts an upload-reply job's whole reply at its reply file (SPEC U2); again after a crash, it finds it there. */
	private void placeReply(JobRecord job) {
		Path replyFile = ReplyFiles.replyFile(job.settings().replyFile(), storeDirectory, job.id());
		try {
			Path received = ReplyFiles.temporary(storeDirectory, job.id());
			if (Files.notExists(received, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(replyFile)) {
				return;
			}
			ReplyFiles.place(received, replyFile);
		} catch (IOException e) {
			throw new TransferException(E_ACCESSDENIED, "cannot put the reply of job " + job.id() + " at " + replyFile + ": " + e.getMessage());
		}
	}

	/** @return whether the job's files are on another engine's disk: that engine completes or cancels it (SPEC C4) */
	private boolean pinnedElsewhere(JobSlot slot) {
		return pinnedElsewhere(slot.record());
	}

	/** @return whether the job's files, and an upload-reply's reply, are on another engine's disk (SPEC C4) */
	boolean pinnedElsewhere(JobRecord job) {
		String pinned = job.pinnedTo();
		return queue != null && pinned != null && !pinned.equals(queue.name());
	}

	/** The owner's request that this engine complete or cancel a job whose files are on its disk: carried out now. */
	void carryOutRequest(UUID id) {
		JobSlot s = slot(id);
		if (s != null && queue != null) {
			requests.carryOut(s, queue.name());
		}
	}

	/** Moves a job that may be transferring to a state where it is not; @return whether it was transferring. */
	private boolean stopState(JobSlot slot, JobState target) {
		transitions.forgetInterruptions(slot.record().id());
		return Boolean.TRUE.equals(update(slot, c -> {
			boolean active = c.job().state() == JobState.QUEUED || c.job().running();
			c.set(b -> b.state(target));
			return active;
		}));
	}

	/** Cancels a job left inactive too long, as housekeeping does; @return it, ended, or {@code null} if it went meanwhile */
	JobRecord forget(UUID id) {
		JobSlot s = slot(id);
		if (s == null) {
			return null;
		}
		try {
			JobRecord ended = remove(s, JobState.CANCELLED);
			feed.tell(ended);
			return ended;
		} catch (TransferException e) {
			return null; // ended meanwhile
		}
	}
}
