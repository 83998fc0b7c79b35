package bits.engine.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import bits.api.JobPriority;
import bits.api.JobState;
import bits.engine.model.JobRecord;

/**
 * The queue that engines sharing one store work from (SPEC C2-C4): each engine is a member with a lease it renews by
 * heartbeats, timed by the database's clock only; it claims queued jobs one statement at a time, skipping rows that
 * another engine is claiming; and the jobs of a member whose lease expired are taken over by any other. Thread-safe.
 */
public interface SharedQueue {
	/** @return this engine's id as a member, new at every start */
	String engine();

	/** @return how long a member stays alive without a heartbeat */
	Duration lease();

	/** @return the name of this engine's machine, stable across restarts: a job pinned to it waits for an engine of this name */
	String name();

	/** @return whether an engine of this name is a member whose lease has not expired */
	boolean memberNamed(String name);

	/**
	 * Renews this engine's lease, by the database's clock.
	 *
	 * @return false if the lease had expired (the engine was paused or cut off): its claims may be taken over already,
	 *         so it must stop its transfers; it is a member again, under the same id, with no claims
	 */
	boolean heartbeat();

	/**
	 * In one transaction: the members whose lease expired are removed, and the jobs they were transferring go back to
	 * the queue (QUEUED, unclaimed, a new epoch), so that their late writes are fenced.
	 *
	 * @return the jobs taken over
	 */
	List<UUID> takeOver();

	/**
	 * Claims the queued job that comes first among these priorities (by priority, then by its turn in the queue) and
	 * that no other engine is claiming, and that is pinned to no engine or to one of this engine's name: it becomes
	 * CONNECTING, claimed by this engine in a new epoch.
	 *
	 * @param excluded jobs not to claim (a transfer of this engine is still stopping them)
	 * @return the claimed job as stored now, or empty if none is queued
	 */
	default Optional<JobRecord> claimNext(Set<JobPriority> priorities, Set<UUID> excluded) {
		return claim(priorities, excluded, 1).stream().findFirst();
	}

	/**
	 * As {@link #claimNext}, up to {@code max} jobs in one statement: an engine with free transfer slots fills them in
	 * one round trip.
	 *
	 * @return the claimed jobs as stored now; empty if none is queued
	 */
	List<JobRecord> claim(Set<JobPriority> priorities, Set<UUID> excluded, int max);

	/**
	 * Claims the delivery of a notification (SPEC C5): one engine at a time calls its callback, until the hold ends.
	 *
	 * @return whether this engine may deliver it now: no other engine holds it, or its hold ended (that engine died or
	 *         its callback is stuck)
	 */
	boolean claimNotice(long notice, Duration hold);

	/** Lets go of a notification this engine claimed but cannot deliver (it cannot provision the handler): another may. */
	void releaseNotice(long notice);

	/**
	 * Tells {@code changed} of each job whose row an engine (this one too) changed, or whose notification it deleted, as
	 * the database announces it after the commit; {@code null} when announcements may have been missed (a lost
	 * connection), so that everything must be read again. Calls it on a thread of its own, until {@link #leave}.
	 */
	void listen(Consumer<Announcement> changed);

	/**
	 * A job's row changed, or one of its notifications was deleted.
	 *
	 * @param version the row's version after the change; {@link #CANCELLED} or {@link #COMPLETED} if the job ended (its
	 *        row was deleted); {@link #NOTICES} if a notification of it was deleted, the job staying
	 * @param notice the notification deleted, for {@link #NOTICES}; else 0
	 */
	record Announcement(UUID job, long version, long notice) {
		public static final long CANCELLED = -1;
		public static final long COMPLETED = -2;
		/** A notification was deleted (acknowledged, or stale), which changes no row of the job. */
		public static final long NOTICES = -3;

		public Announcement(UUID job, long version) {
			this(job, version, 0);
		}

		/** @return the final state the job ended in, if it ended */
		public Optional<JobState> ended() {
			return version == COMPLETED ? Optional.of(JobState.ACKNOWLEDGED) : version == CANCELLED ? Optional.of(JobState.CANCELLED) : Optional.empty();
		}
	}

	/** Leaves the queue: this engine's claimed jobs go back to it at once (not after the lease), and it stops listening. */
	void leave();
}
