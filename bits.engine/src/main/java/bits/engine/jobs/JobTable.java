package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_EMPTY;
import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

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
import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.FileSpec;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.engine.config.DataArea;
import bits.engine.config.EngineConfig;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;
import bits.engine.store.JournalEntry;
import bits.engine.store.Notice;
import bits.engine.store.Secrets;
import bits.engine.store.Store;

/**
 * Every job of the engine, and the only writer of job state (SPEC §2). Each change is checked first, applied, and
 * written to the store in one transaction before the call returns; if the store refuses it, the change is undone.
 * One lock guards every job. Transfers report through {@link JobTransitions}.
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

	private final Map<UUID, JobRow> jobs = new LinkedHashMap<>();
	private Store store;
	private Path storeDirectory; // as opened
	private Path keyFile; // as opened
	private volatile Limits limits;
	private final JobTransitions transitions = new JobTransitions(this);
	private final LiveCallbacks callbacks = new LiveCallbacks();
	private BundleContext context;
	private volatile TransferControl control = TransferControl.NONE;
	private final Notifiers notifier = new Notifiers();
	private final ThreadLocal<Batch> batch = new ThreadLocal<>();
	private final Acknowledgements acknowledgements = new Acknowledgements(this);

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		context.addBundleListener(callbacks);
		limits = new Limits(config);
		Path dir = Housekeeping.storeDirectory(context, config);
		keyFile = keyFile(context, config);
		store = Store.open(dir, Secrets.open(keyFile));
		storeDirectory = dir;
		List<JobRow> loaded;
		try {
			loaded = store.loadJobs();
		} catch (RuntimeException e) {
			store.close(); // a store that cannot be read is closed, so that the error, not "in use", is what is reported
			throw e;
		}
		store.loadWarnings().forEach(w -> log.error("store {}: {}", dir, w));
		synchronized (this) {
			for (JobRow job : loaded) {
				// a transfer cut off by a crash or stop resumes from its last checkpoint (SPEC J7)
				if (job.state == JobState.CONNECTING || job.state == JobState.TRANSFERRING) {
					job.state = JobState.QUEUED;
				}
				jobs.put(job.id, job);
			}
		}
		log.info("store {} opened with {} jobs", dir, loaded.size());
		cancelInactive();
		handlers.attachJobs(this::namedHandlerIds);
	}

	/**
	 * A configuration change is taken in place: the store stays open and every {@code TransferJob} handle valid. The
	 * limits and defaults apply from now on; the store's directory and secrets key only when the engine bundle next
	 * starts (a store cannot move under open jobs).
	 */
	@Modified
	void modified(EngineConfig config) {
		limits = new Limits(config);
		if (!Housekeeping.storeDirectory(context, config).equals(storeDirectory) || !keyFile(context, config).equals(keyFile)) {
			log.warn("store.directory and secrets.key.file apply when the engine next starts; the store {} stays open", storeDirectory);
		}
	}

	private static Path keyFile(BundleContext context, EngineConfig config) {
		return config.secrets_key_file().isEmpty() ? DataArea.file(context, "secrets.key") : Path.of(config.secrets_key_file());
	}

	/** @return the directory of the open store */
	public Path storeDirectory() {
		return storeDirectory;
	}

	/** @return the handler ids (as set, perhaps with a version range) that jobs not yet final name (SPEC H9) */
	synchronized java.util.Set<String> namedHandlerIds() {
		java.util.Set<String> named = new java.util.HashSet<>();
		for (JobRow job : jobs.values()) {
			if (!job.state.isFinal() && job.handlerId != null) {
				named.add(job.handlerId);
			}
		}
		return named;
	}

	/** Cancels the jobs unchanged for longer than the inactivity timeout (BITS's JobInactivityTimeout, 90 days). */
	public void cancelInactive() {
		new Housekeeping(this, log).cancelInactive(limits.inactivity());
		pruneJournal();
	}


	@Deactivate
	void deactivate() {
		handlers.attachJobs(null);
		context.removeBundleListener(callbacks);
		acknowledgements.close();
		store.close();
	}

	/** Lets the scheduler be told of changes; {@code null} detaches it. */
	public void attach(TransferControl control) {
		this.control = control == null ? TransferControl.NONE : control;
		this.control.jobsChanged();
	}

	/** Lets a notifier (the dispatcher, the EventAdmin bridge) be told of changes. */
	public void attachNotifier(Notifier n) {
		notifier.add(n);
	}

	public void detachNotifier(Notifier n) {
		notifier.remove(n);
	}

	/** @return every job, for the dispatcher's start */
	public List<JobRow> jobs() {
		return all();
	}

	public JobTransitions transitions() {
		return transitions;
	}

	Limits limits() {
		return limits;
	}

	// --- API operations ---------------------------------------------------------------------------------------

	synchronized JobRow create(String owner, String displayName, JobType type) {
		InputChecks.displayName(displayName);
		InputChecks.notNull("job type", type);
		if (type != JobType.DOWNLOAD) {
			throw new TransferException(E_NOTIMPL, type + " jobs are not supported yet; only DOWNLOAD jobs are");
		}
		Limits l = limits; // one configuration for the whole call, whatever a change does meanwhile
		l.checkRoomForJob(jobs.values(), owner);
		JobRow job = new JobRow(UUID.randomUUID(), owner, type, displayName, Instant.now());
		job.minimumRetryDelay = l.defaultRetryDelay();
		job.noProgressTimeout = l.defaultNoProgressTimeout();
		store.insertJob(job);
		jobs.put(job.id, job);
		return job;
	}

	/** @param owner the caller, or {@code null} for every owner */
	synchronized JobRow find(UUID id, String owner) {
		InputChecks.notNull("job id", id);
		JobRow job = jobs.get(id);
		if (job == null || owner != null && !owner.equals(job.owner)) {
			throw new TransferException(BG_E_NOT_FOUND, "no job " + id + (owner == null ? "" : " owned by " + owner));
		}
		return job;
	}

	/** @param owner the caller, or {@code null} for every owner; @return the jobs, oldest first */
	synchronized List<JobRow> list(String owner) {
		List<JobRow> result = new ArrayList<>();
		for (JobRow job : jobs.values()) {
			if (owner == null || owner.equals(job.owner)) {
				result.add(job);
			}
		}
		return result;
	}

	/** Reads a job under the lock. */
	public synchronized <T> T read(JobRow job, Function<JobRow, T> reader) {
		return reader.apply(job);
	}

	/**
	 * Runs {@code work}, calls of one job's setters, {@code addFiles} and {@code resume}, as a single change: each call
	 * checks its input at once, and all of them are applied and persisted in one transaction at the end, or none is
	 * (the job's modification time included). For a request that must change all it asks or nothing (SPEC S5).
	 */
	void batch(JobRow job, Runnable work) {
		if (batch.get() != null) {
			throw new IllegalStateException("a batch is already open on this thread");
		}
		Batch b = new Batch(job, new ArrayList<>());
		batch.set(b);
		try {
			work.run();
		} finally {
			batch.remove();
		}
		if (!b.changes.isEmpty()) {
			update(job, j -> b.changes.forEach(c -> c.accept(j)));
			control.jobsChanged();
		}
	}

	/** The changes of a batch on its thread, applied when it ends. */
	private record Batch(JobRow job, List<Consumer<JobRow>> changes) {
	}

	/** @return whether the change went to this thread's batch for the job, to be applied when it ends */
	private boolean deferred(JobRow job, Consumer<JobRow> change) {
		Batch b = batch.get();
		if (b == null || b.job != job) {
			return false;
		}
		b.changes.add(change);
		return true;
	}

	/** Changes a job that is not final and persists it; a change that throws, or that the store refuses, is undone. */
	void update(JobRow job, Consumer<JobRow> change) {
		if (deferred(job, change)) {
			return;
		}
		synchronized (this) {
			checkNotFinal(job);
			JobRow before = Rows.copy(job);
			try {
				store.transactionSyncedLater(() -> {
					change.accept(job);
					job.modified = Instant.now();
					Notices.settle(store, job);
					store.updateJob(job);
				});
			} catch (RuntimeException e) {
				Rows.restore(job, before);
				throw e;
			}
		}
		store.sync(); // durable before the caller goes on, without making readers wait for the disk
		notifier.jobChanged(job);
	}

	/**
	 * Records a terminal event in the current transaction: in the journal always (the event stream's replay, SPEC S3),
	 * in the outbox if the job's flags want it (SPEC N1, N7).
	 */
	void record(JobRow job, Notice.Kind kind, int file) {
		store.insertJournal(job, kind, file);
		Notices.record(store, job, kind, file);
	}

	/** @see Store#journal */
	synchronized List<JournalEntry> journal(long afterId, String owner, UUID job, int limit) {
		return store.journal(afterId, owner, job, limit);
	}

	synchronized long lastJournalId() {
		return store.lastJournalId();
	}

	/** Forgets the journal entries older than the retention. */
	synchronized void pruneJournal() {
		store.pruneJournal(Instant.now().minus(limits.eventRetention()));
	}

	public LiveCallbacks callbacks() {
		return callbacks;
	}

	/** Sets or clears a job's live callback (SPEC N3, N4, N7); see {@link Notices#setCallback}. */
	void setCallback(JobRow job, TransferCallback callback, Bundle caller) {
		Notices.setCallback(this, job, callback, caller);
		notifier.jobChanged(job);
	}

	/** Sets or clears the persistent handler id (SPEC N4): one that nothing provides is refused at once (N6). */
	void setHandlerId(JobRow job, String id) {
		if (id != null && !handlers.provides(id, job.owner)) { // not under the lock: it may read a remote index
			throw new TransferException(ErrorCodes.HANDLER_NOT_FOUND,
					"handler " + id + ": no handler service, no installed bundle and no configured repository provides it"
							+ " (for the jobs of " + job.owner + ": services and bundles count only if the engine installed them,"
							+ " they are listed in handler.bundles, or they are the job's own bundle)");
		}
		update(job, j -> j.handlerId = id);
	}

	/** @return the handler ids the engine knows */
	List<bits.api.HandlerInfo> handlers() {
		return handlers.list();
	}

	/** Updates the handler bundle the engine installed for the id now (SPEC H7). */
	bits.api.HandlerInfo updateHandler(String id) {
		return handlers.update(InputChecks.handlerId(InputChecks.notNull("handler id", id)));
	}

	/** A callback judged a transferred file (SPEC N12); see {@link Notices#validate}. */
	void validate(JobRow job, FileRow file, boolean valid) {
		Notices.validate(this, job, file, valid);
		if (!valid) {
			control.stopAndWait(job.id); // later files of the job stop transferring
		}
	}

	/** Records (or clears, with {@code null}) the last failure to deliver a notification; not a modification. */
	public synchronized void notificationError(JobRow job, JobError error) {
		if (!job.state.isFinal() && !java.util.Objects.equals(job.notificationError, error)) {
			job.notificationError = error;
			store.updateJob(job);
		}
	}

	/** A callback acknowledged a notification: it leaves the outbox. */
	public synchronized void acknowledge(JobRow job, Notice notice) {
		if (!job.state.isFinal() && job.notices.remove(notice)) {
			acknowledgements.add(notice.id()); // removed from the store in a batch
		}
	}

	/** @return a view of a job for a callback, acting for the bundle that registered it */
	public TransferJob view(JobRow job, Bundle caller) {
		return new JobHandle(this, job, caller);
	}

	List<FileRow> addFiles(JobRow job, List<FileSpec> specs) {
		List<FileRow> added;
		Batch open = batch.get();
		if (open != null && open.job == job) {
			synchronized (this) {
				checkNotFinal(job);
				if (open.changes.stream().anyMatch(AddedFiles.class::isInstance)) {
					throw new IllegalStateException("one addFiles per batch: the second's indexes would repeat the first's");
				}
				added = new FileAdder(limits, jobs.values()).check(job, specs); // refused now, before anything is applied
			}
			open.changes.add(new AddedFiles(this, added));
			return added;
		}
		synchronized (this) {
			checkNotFinal(job);
			added = new FileAdder(limits, jobs.values()).check(job, specs);
			store.transaction(() -> {
				store.insertFiles(job, added);
				job.files.addAll(added);
				try {
					if (job.state == JobState.TRANSFERRED) { // more to transfer: back to the queue, like BITS
						job.state = JobState.QUEUED;
					}
					job.modified = Instant.now();
					Notices.settle(store, job);
					store.updateJob(job);
				} catch (RuntimeException e) {
					job.files.removeAll(added);
					throw e;
				}
			});
		}
		control.jobsChanged();
		return added;
	}

	/** A batch's files, inserted in its transaction; a TRANSFERRED job has more to transfer: back to the queue. */
	private record AddedFiles(JobTable table, List<FileRow> files) implements Consumer<JobRow> {
		@Override
		public void accept(JobRow job) {
			table.store.insertFiles(job, files);
			job.files.addAll(files);
			if (job.state == JobState.TRANSFERRED) {
				job.state = JobState.QUEUED;
			}
		}
	}

	void resume(JobRow job) {
		update(job, j -> {
			switch (j.state) {
			case SUSPENDED, ERROR, TRANSIENT_ERROR -> {
				if (j.files.isEmpty()) {
					throw new TransferException(BG_E_EMPTY, "job " + j.id + " has no files to transfer");
				}
				j.state = j.nextFile() == null ? JobState.TRANSFERRED : JobState.QUEUED;
				j.error = null;
				j.retryAt = null;
				j.lastProgress = Instant.now();
			}
			default -> { // QUEUED, CONNECTING, TRANSFERRING, TRANSFERRED: nothing to do, like BITS
			}
			}
		});
		control.jobsChanged();
	}

	void suspend(JobRow job) {
		boolean stop = stopState(job, JobState.SUSPENDED);
		if (stop) {
			control.stopAndWait(job.id);
		}
	}

	void cancel(JobRow job) {
		stopState(job, JobState.SUSPENDED);
		control.stopAndWait(job.id);
		List<FileRow> files;
		synchronized (this) {
			checkNotFinal(job);
			store.deleteJob(job.id);
			callbacks.forget(job.id);
			job.state = JobState.CANCELLED;
			job.modified = Instant.now();
			jobs.remove(job.id);
			files = List.copyOf(job.files);
		}
		Housekeeping.deleteTemporaries(files, log);
		notifier.jobChanged(job);
	}

	CompleteResult complete(JobRow job) {
		while (true) {
			JobState before = read(job, j -> j.state);
			// a TRANSFERRED job runs nothing and stays TRANSFERRED, its notice in the outbox, until its files are in place:
			// a crash in between repeats the notification (N7). Any other state may be transferring: stop it first.
			if (before != JobState.TRANSFERRED) {
				stopState(job, JobState.SUSPENDED);
				control.stopAndWait(job.id);
			}
			CompleteResult result;
			synchronized (this) {
				checkNotFinal(job);
				if (before == JobState.TRANSFERRED && job.state != JobState.TRANSFERRED) {
					continue; // re-queued meanwhile (addFile): stop it as any other
				}
				try {
					result = Completion.moveIntoPlace(job);
				} catch (TransferException e) {
					if (before != JobState.TRANSFERRED) {
						job.state = before; // BITS leaves the job as it was; files already renamed stay visible
						store.transaction(() -> store.updateJob(job));
					}
					throw e;
				}
				store.deleteJob(job.id);
				callbacks.forget(job.id);
				job.state = JobState.ACKNOWLEDGED;
				job.modified = Instant.now();
				jobs.remove(job.id);
			}
			control.jobsChanged();
			notifier.jobChanged(job);
			return result;
		}
	}

	/** Moves a job that may be transferring to a state where it is not; @return whether it was transferring. */
	private boolean stopState(JobRow job, JobState target) {
		boolean[] active = new boolean[1];
		update(job, j -> {
			active[0] = j.state == JobState.QUEUED || j.state == JobState.CONNECTING || j.state == JobState.TRANSFERRING;
			j.state = target;
		});
		return active[0];
	}

	/** Changes one file of a job that is not final and persists it. */
	synchronized void updateFile(JobRow job, FileRow file, Consumer<FileRow> change) {
		checkNotFinal(job);
		FileRow before = Rows.copy(file);
		try {
			change.accept(file);
			store.updateFile(job, file);
		} catch (RuntimeException e) {
			Rows.restore(file, before);
			throw e;
		}
	}

	// --- for transitions and housekeeping ---------------------------------------------------------------------

	synchronized List<JobRow> all() {
		return new ArrayList<>(jobs.values());
	}

	Store store() {
		return store;
	}

	TransferControl control() {
		return control;
	}

	synchronized void forget(JobRow job, JobState finalState) {
		store.deleteJob(job.id);
		job.state = finalState;
		jobs.remove(job.id);
	}

	static void checkNotFinal(JobRow job) {
		if (job.state.isFinal()) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + job.id + " is " + job.state + ", a final state");
		}
	}
}
