package bits.engine.jobs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.log.Logger;

import bits.api.JobState;
import bits.engine.model.JobRecord;
import bits.engine.store.JobStore;
import bits.engine.store.SharedQueue;

/**
 * Keeps the job table a current cache of a store that engines share (SPEC C2-C6): the database's announcements of
 * changed jobs (and of deleted notifications) are read again at once; every few seconds every job's stamp is compared
 * (a lost announcement, another engine's progress); the engine renews its lease by heartbeats and takes over the jobs
 * of members whose lease expired.
 */
final class SharedJobs {
	/** How often every job's stamp is read, whatever was announced. */
	private static final long RESYNC_MS = 5_000;
	/**
	 * Every how many of those reads the files and notifications of every job are read too, not only of the claimed ones:
	 * a change that reached no announcement (one read before it was committed, made current after its announcement) is
	 * mended within a minute.
	 */
	private static final int WHOLE_EVERY = 12;
	/** How long announcements are gathered before the jobs they name are read: well within a second (SPEC C6). */
	private static final long GATHER_MS = 50;
	/** At most this many jobs in one read of announced jobs. */
	private static final int READ_BATCH = 500;

	private final JobTable table;
	private final SharedQueue queue;
	private final ScheduledExecutorService chores;
	private final Logger log;
	private final Thread heartbeats;
	private final Thread takeovers;
	private volatile boolean active = true;
	private ScheduledFuture<?> resyncs;
	/** Jobs claimed by this engine that no transfer of its ran at the last resync. */
	private Set<UUID> orphans = Set.of();
	/** The periodic reads so far. */
	private int reads;
	/** Whether the next periodic read reads every job's files and notifications: announced jobs could not be read. */
	private volatile boolean wholeNext;
	/** Jobs announced and not read yet, with the newest version announced: read together, once each (a job changes in bursts). */
	private final Map<UUID, Long> announced = new ConcurrentHashMap<>();
	private final AtomicBoolean reading = new AtomicBoolean();
	/** The final states that ended jobs were announced in, until the jobs are read. */
	private final Map<UUID, JobState> endedAs = new ConcurrentHashMap<>();

	SharedJobs(JobTable table, SharedQueue queue, ScheduledExecutorService chores, Logger log) {
		this.table = table;
		this.queue = queue;
		this.chores = chores;
		this.log = log;
		// a thread of its own: no chore, however slow, may delay a heartbeat past the lease; nor may a takeover, which
		// waits for the rows it takes over (locked by a paused engine's open transaction, say) and for the disk
		heartbeats = every("bits-heartbeat", this::beat, "renew its lease");
		takeovers = every("bits-takeover", this::takeOver, "look for expired leases");
	}

	void start() {
		queue.listen(this::announced);
		heartbeats.start();
		takeovers.start();
		resyncs = chores.scheduleWithFixedDelay(() -> resync(reads++ % WHOLE_EVERY == 0), RESYNC_MS, RESYNC_MS, TimeUnit.MILLISECONDS);
	}

	void stop() {
		active = false;
		heartbeats.interrupt();
		takeovers.interrupt();
		if (resyncs != null) {
			resyncs.cancel(false);
		}
		try {
			// 5 s for both, not 5 s each: a stopping engine waits for a step that waits for the database at most that long
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			for (Thread t : List.of(heartbeats, takeovers)) {
				t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** On the listener's thread: what it announced is read on the table's chore thread, in order. */
	private void announced(SharedQueue.Announcement a) {
		if (!active) {
			return;
		}
		if (a == null) {
			chores.execute(() -> resync(true)); // what was missed is not known
			return;
		}
		if (a.version() >= 0 && table.job(a.job()).map(j -> j.version() >= a.version()).orElse(false)) {
			return; // this engine's own change, already current
		}
		if (a.version() == SharedQueue.Announcement.NOTICES && !table.job(a.job()).map(j -> j.notices().stream().anyMatch(n -> n.id() == a.notice()))
				.orElse(false)) {
			return; // acknowledged here (or never known here): nothing to read
		}
		a.ended().ifPresent(state -> endedAs.put(a.job(), state));
		announced.merge(a.job(), a.version() < 0 ? Long.MAX_VALUE : a.version(), Math::max);
		if (reading.compareAndSet(false, true)) {
			// a moment later: a job's changes come in bursts (claimed, transferring, transferred), read once together
			chores.schedule(this::readAnnounced, GATHER_MS, TimeUnit.MILLISECONDS);
		}
	}

	/** Reads the announced jobs that are not current here yet, in one read, and makes them current. */
	private void readAnnounced() {
		reading.set(false); // an announcement from now on schedules another read
		Set<UUID> ids = new HashSet<>();
		for (UUID id : List.copyOf(announced.keySet())) {
			long version = announced.remove(id);
			if (version == Long.MAX_VALUE || !table.job(id).map(j -> j.version() >= version).orElse(false)) {
				ids.add(id);
			}
		}
		if (ids.isEmpty()) {
			return;
		}
		try {
			List<UUID> all = new ArrayList<>(ids);
			for (int from = 0; from < all.size(); from += READ_BATCH) {
				List<UUID> batch = all.subList(from, Math.min(all.size(), from + READ_BATCH));
				Set<UUID> gone = new HashSet<>(batch);
				for (JobRecord r : table.store().load(batch)) {
					gone.remove(r.id());
					table.apply(r.id(), Optional.of(r));
					table.carryOutRequest(r.id()); // a complete or cancel asked on another engine of a job pinned here
				}
				for (UUID id : gone) {
					table.apply(id, Optional.empty(), endedAs.remove(id));
				}
			}
		} catch (RuntimeException e) { // the store is down, or a row cannot be read: the next resync reads everything
			wholeNext = true;
			log.warn("{} jobs changed in the shared store but cannot be read now (read again within {} ms): {}", ids.size(), RESYNC_MS,
					e.getMessage());
		}
	}

	/**
	 * Every job as stored: the new ones, the changed ones (progress of other engines too), and those that ended. One
	 * narrow read of every job's stamp finds them; only those are read whole (a table of many jobs, read by every engine
	 * every few seconds, would otherwise cost each engine a full read).
	 *
	 * @param wholeAsked whether every job's files and notifications are compared, not only the claimed jobs': after
	 *        announcements were missed, and every {@link #WHOLE_EVERY} reads
	 */
	private void resync(boolean wholeAsked) {
		if (!active) {
			return;
		}
		boolean whole = wholeAsked || wholeNext;
		wholeNext = false;
		try {
			Set<UUID> known = table.ids(); // before the read: a job this engine creates meanwhile is not taken for ended
			Map<UUID, JobStore.Stamp> stamps = table.store().stamps(whole);
			List<UUID> changed = new ArrayList<>();
			for (Map.Entry<UUID, JobStore.Stamp> e : stamps.entrySet()) {
				known.remove(e.getKey());
				if (!table.job(e.getKey()).map(j -> JobStore.Stamp.of(j, whole).equals(e.getValue())).orElse(false)) {
					changed.add(e.getKey());
				}
			}
			for (int from = 0; from < changed.size(); from += READ_BATCH) {
				for (JobRecord r : table.store().load(changed.subList(from, Math.min(changed.size(), from + READ_BATCH)))) {
					table.apply(r.id(), Optional.of(r));
				}
			}
			Set<UUID> orphans = new HashSet<>();
			for (UUID id : stamps.keySet()) {
				Optional<JobRecord> held = table.job(id);
				if (held.isEmpty()) {
					continue;
				}
				JobRecord r = held.get();
				table.carryOutRequest(id);
				if (table.engine().equals(r.claim()) && !table.claimedHere(id) && !table.running(id)) {
					orphans.add(id);
				}
				if (table.engine().equals(r.callbackEngine()) && table.callbacks().get(id).isEmpty()) {
					table.callbackGoneHere(id); // its end was not recorded (the store was down)
				}
			}
			// claimed here but run by nothing, two reads in a row (a claim being started now is not one)
			for (UUID id : orphans) {
				if (this.orphans.contains(id)) {
					table.releaseOrphan(id);
				}
			}
			this.orphans = orphans;
			for (UUID gone : known) {
				table.apply(gone, Optional.empty());
			}
		} catch (RuntimeException e) { // the store is down, or a row cannot be read: an uncaught one would end the periodic reads
			wholeNext |= whole;
			log.warn("the shared store cannot be read now (tried again in {} ms): {}", RESYNC_MS, e.getMessage());
		}
	}

	/**
	 * @return a daemon thread that does a step at least every second (a fifth of the lease), until stopped; a failed
	 *         step (the database down, or anything else) is logged, and the steps go on
	 */
	private Thread every(String name, Runnable step, String what) {
		long interval = Math.max(200, Math.min(1_000, queue.lease().toMillis() / 5));
		Thread t = new Thread(() -> {
			while (active) {
				try {
					Thread.sleep(interval);
				} catch (InterruptedException e) {
					return;
				}
				try {
					step.run();
				} catch (RuntimeException e) {
					log.warn("engine {} cannot {} now: {}", queue.engine(), what, e.toString());
				}
			}
		}, name);
		t.setDaemon(true);
		return t;
	}

	private void beat() {
		if (!queue.heartbeat()) {
			log.warn("engine {} missed its lease of {} s (paused, or cut off from the database): its transfers stop, their jobs are queued again",
					queue.engine(), queue.lease().toSeconds());
			table.lostClaims();
		}
	}

	/** A dead member's jobs are taken over soon after its lease ends. */
	private void takeOver() {
		for (UUID id : queue.takeOver()) {
			log.info("job {} taken over from an engine whose lease expired", id);
			chores.execute(() -> table.refreshNow(id));
		}
	}
}
