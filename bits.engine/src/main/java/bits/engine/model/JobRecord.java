package bits.engine.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import bits.api.JobError;
import bits.api.JobProgress;
import bits.api.JobState;
import bits.api.JobTimes;
import bits.api.JobType;

/**
 * The durable state of one job as the job table last committed it: immutable, so any thread may read it without a
 * lock, and a change that fails leaves nothing to undo. Only the job table makes a new record current.
 *
 * @param settings what the owner set
 * @param error why the job is in ERROR or TRANSIENT_ERROR, else {@code null}
 * @param notificationError the last failure to deliver a notification, or {@code null}
 * @param lastProgress the last time the job made progress (or was created or resumed): the no-progress timeout counts
 *        from it
 * @param retryAt when a job in TRANSIENT_ERROR is retried
 * @param files in index order
 * @param notices terminal notifications not yet acknowledged, oldest first
 * @param version the stored row's version: a write of the row is conditional on it, so that engines sharing a store
 *        never overwrite each other's changes with an older record
 * @param claim the engine transferring the job when engines share a store, else {@code null}; the last epoch stays
 *        known after the claim ends ({@link #epoch})
 * @param epoch the job's last claim epoch (0: never claimed)
 * @param callbackEngine when engines share a store, the engine where the job's live callback is registered (the last
 *        registrant, on any engine), else {@code null}; a live callback is called there only
 * @param pinnedTo when engines share a store, the name of the engine whose disk holds the job's files (they are not all
 *        under the shared roots): only engines of that name transfer, complete or cancel it; else {@code null}
 * @param pinnedRequest what the owner asked, on another engine, of the engine the job is pinned to: {@code COMPLETE} or
 *        {@code CANCEL}, or {@code FAILED } and why it could not be done; else {@code null}
 */
public record JobRecord(UUID id, String owner, JobType type, Instant created, JobState state, JobSettings settings, JobError error,
		JobError notificationError, Instant modified, Instant transferred, Instant lastProgress, Instant retryAt, List<FileRecord> files,
		List<Notice> notices, long version, String claim, long epoch, String callbackEngine,
		String pinnedTo, String pinnedRequest) {

	public JobRecord {
		files = FileList.of(files);
		notices = List.copyOf(notices);
	}

	/** A new job: SUSPENDED, no files. */
	public static JobRecord created(UUID id, String owner, JobType type, JobSettings settings, Instant now) {
		return new JobRecord(id, owner, type, now, JobState.SUSPENDED, settings, null, null, now, null, now, null, List.of(), List.of(), 0, null, 0, null, null, null);
	}

	/**
	 * @param liveBytes the bytes received so far of the files being transferred, by index, durable or not (between
	 *        checkpoints)
	 */
	public JobProgress progress(Map<Integer, Long> liveBytes) {
		return ((FileList) files).progress(liveBytes);
	}

	public JobTimes times() {
		return new JobTimes(created, modified, transferred);
	}

	/** @return the first file not yet transferred, or {@code null} */
	public FileRecord nextFile() {
		return ((FileList) files).firstIncomplete();
	}

	/** @return the engine's claim, if one holds the job */
	public Claim claimed() {
		return claim == null ? null : new Claim(claim, epoch);
	}

	/** @return whether the job is CONNECTING or TRANSFERRING: a transfer runs it */
	public boolean running() {
		return state == JobState.CONNECTING || state == JobState.TRANSFERRING;
	}

	/** @return this record with the changes {@code change} makes to a builder of it */
	public JobRecord with(Consumer<Builder> change) {
		Builder b = new Builder(this);
		change.accept(b);
		return b.build();
	}

	/** A copy of a record to change before {@link JobRecord#with} makes a new record of it. */
	public static final class Builder {
		private final JobRecord from;
		private JobState state;
		private JobSettings settings;
		private JobError error;
		private JobError notificationError;
		private Instant modified;
		private Instant transferred;
		private Instant lastProgress;
		private Instant retryAt;
		private List<FileRecord> files;
		private List<Notice> notices;
		private long version;
		private String claim;
		private long epoch;
		private String callbackEngine;
		private String pinnedTo;
		private String pinnedRequest;

		private Builder(JobRecord j) {
			from = j;
			state = j.state;
			settings = j.settings;
			error = j.error;
			notificationError = j.notificationError;
			modified = j.modified;
			transferred = j.transferred;
			lastProgress = j.lastProgress;
			retryAt = j.retryAt;
			files = j.files;
			notices = j.notices;
			version = j.version;
			claim = j.claim;
			epoch = j.epoch;
			callbackEngine = j.callbackEngine;
			pinnedTo = j.pinnedTo;
			pinnedRequest = j.pinnedRequest;
		}

		private JobRecord build() {
			return new JobRecord(from.id, from.owner, from.type, from.created, state, settings, error, notificationError, modified,
					transferred, lastProgress, retryAt, files, notices, version, claim, epoch, callbackEngine, pinnedTo,
					pinnedRequest);
		}

		/** @return the state as changed so far */
		public JobState state() {
			return state;
		}

		public Builder state(JobState v) {
			state = v;
			return this;
		}

		public Builder settings(UnaryOperator<JobSettings> change) {
			settings = change.apply(settings);
			return this;
		}

		public Builder error(JobError v) {
			error = v;
			return this;
		}

		public Builder notificationError(JobError v) {
			notificationError = v;
			return this;
		}

		public Builder modified(Instant v) {
			modified = v;
			return this;
		}

		public Builder transferred(Instant v) {
			transferred = v;
			return this;
		}

		public Builder lastProgress(Instant v) {
			lastProgress = v;
			return this;
		}

		public Builder retryAt(Instant v) {
			retryAt = v;
			return this;
		}

		/** Replaces the file with the same index. */
		public Builder file(FileRecord v) {
			files = FileList.of(files).with(v);
			return this;
		}

		public Builder addFiles(List<FileRecord> v) {
			files = FileList.of(files).plus(v);
			return this;
		}

		public Builder notices(List<Notice> v) {
			notices = v;
			return this;
		}

		public Builder version(long v) {
			version = v;
			return this;
		}

		/** The engine where the job's live callback is registered now; {@code null}: none. */
		public Builder callbackEngine(String v) {
			callbackEngine = v;
			return this;
		}

		public Builder pinnedTo(String v) {
			pinnedTo = v;
			return this;
		}

		public Builder pinnedRequest(String v) {
			pinnedRequest = v;
			return this;
		}

		/** Claimed by an engine with a new epoch; {@code null} ends the claim and keeps the epoch. */
		public Builder claim(Claim v) {
			claim = v == null ? null : v.engine();
			epoch = v == null ? epoch : v.epoch();
			return this;
		}
	}
}
