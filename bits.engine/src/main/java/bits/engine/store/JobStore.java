package bits.engine.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import bits.api.JobState;
import bits.engine.model.Claim;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JournalEntry;
import bits.engine.model.Notice;

/**
 * The persistence port: where jobs, their files and credentials, the outbox of terminal notifications and the journal
 * are kept. The job table is its only writer, and writes in {@link #transaction}s that never nest. Adapters store enum
 * values by name and name the store in every error. Thread-safe.
 */
public interface JobStore extends AutoCloseable {
	/**
	 * @return every job, oldest first, with its files, credentials and pending notifications; and what could not be
	 *         read back and was left out (a secret sealed with a lost key)
	 * @throws StoreException naming the store and what cannot be read (an unknown stored value, a damaged file)
	 */
	Loaded load();

	/**
	 * @return the job as stored now, with its files, credentials and pending notifications; empty if it is not (any
	 *         more) in the store
	 */
	Optional<JobRecord> load(UUID job);

	/**
	 * As {@link #load(UUID)}, for many jobs in one read (engines sharing a store read the jobs others changed).
	 *
	 * @return those of the jobs still in the store
	 */
	List<JobRecord> load(Collection<UUID> jobs);

	/**
	 * What changes when a job does, for every job in one narrow read: engines sharing a store compare it with what they
	 * hold and read only the jobs that differ, instead of all of them.
	 *
	 * @param whole whether the files and notifications of every job are read; else of the claimed jobs only, a read that
	 *        grows with the jobs being transferred, not with the jobs kept
	 */
	Map<UUID, Stamp> stamps(boolean whole);

	/**
	 * A job's row version, with what changes without its row: its files' progress (a checkpoint) and its pending
	 * notifications. A job that no engine claims changes them with its row only (the claim is let go by a change of the
	 * row after the transfer's last checkpoint, and in a shared store a change not made under a claim writes the row),
	 * but for a deleted notification, which is announced on its own ({@link SharedQueue.Announcement#NOTICES}).
	 *
	 * @param version the row's version
	 * @param transfer what changes without the row; {@code null} in a narrow read of a job that no engine claims
	 */
	record Stamp(long version, Transfer transfer) {
		/**
		 * @param whole as in {@link JobStore#stamps(boolean)}
		 * @return the stamp of a job as this engine holds it
		 */
		public static Stamp of(JobRecord job, boolean whole) {
			if (!whole && job.claim() == null) {
				return new Stamp(job.version(), null);
			}
			long total = 0;
			long bytes = 0;
			long completed = 0;
			for (FileRecord f : job.files()) {
				total += f.bytesTotal();
				bytes += f.bytesTransferred();
				completed += f.completed() ? 1 : 0;
			}
			long ids = 0;
			for (Notice n : job.notices()) {
				ids += n.id();
			}
			return new Stamp(job.version(), new Transfer(total, bytes, completed, job.notices().size(), ids));
		}
	}

	/**
	 * What changes without a job's row.
	 *
	 * @param bytesTotal over all its files (-1 for each of unknown size)
	 * @param bytesTransferred over all its files
	 * @param filesCompleted how many of its files are whole
	 * @param notices how many notifications are pending
	 * @param noticeIds the sum of their ids
	 */
	record Transfer(long bytesTotal, long bytesTransferred, long filesCompleted, long notices, long noticeIds) {
	}

	/** @return the engines' shared queue, if engines share this store (PostgreSQL); empty for a store of one engine */
	Optional<SharedQueue> shared();

	/** What {@link #load} read. */
	record Loaded(List<JobRecord> jobs, List<String> warnings) {
	}

	/**
	 * Runs the writes of one change in one transaction: all of them are committed, or none (the store is then as it
	 * was). The commit may not be durable yet when this returns: {@link #sync} makes it so, which the caller does after
	 * releasing its own locks, so that readers do not wait for the disk.
	 *
	 * @throws IllegalStateException if a transaction is already open on this thread: transactions never nest
	 * @throws StoreException if the store refuses a write or the commit
	 */
	void transaction(Consumer<Writes> work);

	/** Makes every commit so far durable. */
	void sync();

	/** The writes a transaction may make. */
	interface Writes {
		/** A new job, with its files and credentials. */
		void insertJob(JobRecord job);

		/**
		 * The job's state, settings and claim; not its files or notices.
		 *
		 * @param job the record to store, whose version is one more than the stored row's
		 * @param credentialsChanged whether its credentials are stored anew too
		 * @throws StaleRecordException if the stored row has another version, or is gone
		 * @throws FencedException if a {@link #fence} on the job does not hold
		 */
		void updateJob(JobRecord job, boolean credentialsChanged);

		/** As {@link #updateJob(JobRecord, boolean)}, its credentials included. */
		default void updateJob(JobRecord job) {
			updateJob(job, true);
		}

		/**
		 * Makes the whole transaction conditional on a transfer's claim (SPEC C3): the job must still be in the claim's
		 * epoch, claimed by that engine or by none (suspended meanwhile). It is checked by the job's update in the
		 * transaction, or else before the commit; in a shared store the job's row stays locked from then until the
		 * commit, so that no takeover comes in between.
		 *
		 * @throws FencedException from the job's update or the commit, if the claim does not hold or the job is gone
		 */
		void fence(UUID job, Claim claim);

		/** The job goes back to the end of the queue among its priority (a time slice ended): a shared queue's order. */
		void requeue(UUID job);

		/**
		 * The job, with its files, credentials and pending notifications (not its journal entries), ended in a final
		 * state: engines sharing the store are told which.
		 */
		void deleteJob(UUID job, JobState finalState);

		/** As {@link #deleteJob(UUID, JobState)}, cancelled. */
		default void deleteJob(UUID job) {
			deleteJob(job, JobState.CANCELLED);
		}

		void insertFiles(UUID job, List<FileRecord> files);

		/** A file's progress: a checkpoint, its completion, its validation. */
		void updateFile(UUID job, FileRecord file);

		/** @return the notification recorded in the outbox, with its id */
		Notice insertNotice(UUID job, Notice.Kind kind, int file);

		void deleteNotice(long id);

		/**
		 * Records an event in the journal; it outlives the job until pruned. A transaction's events are written together,
		 * in order, before its commit: the event stream reads them back with their ids.
		 */
		void insertJournal(UUID job, String owner, Notice.Kind kind, int file);

		/** Forgets the journal entries recorded before {@code before}. */
		void pruneJournal(Instant before);
	}

	/**
	 * @param owner only this owner's events, or {@code null} for every owner's
	 * @param job only this job's events, or {@code null} for every job's
	 * @return at most {@code limit} events after {@code afterId}, oldest first
	 */
	List<JournalEntry> journal(long afterId, String owner, UUID job, int limit);

	/** @return the id of the latest journal entry, 0 when there is none */
	long lastJournalId();

	@Override
	void close();
}
