package bits.engine.store;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.ProxyUsage;
import bits.api.RedirectPolicy;
import bits.api.UploadProtocol;
import bits.api.ValidationState;
import bits.engine.model.Claim;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.JournalEntry;
import bits.engine.model.Notice;

/**
 * The JDBC mapping of the store port, which its adapters share: jobs, files, credentials (sealed with the secrets key),
 * the outbox and the journal as rows, enum values by name. An adapter says how it connects, how it makes a commit
 * durable, and its schema. Transactions never nest, on any thread.
 */
abstract class JdbcJobStore implements JobStore {
	private static final String JOB_COLUMNS = "state=?, display_name=?, description=?, priority=?, retry_delay_ms=?,"
			+ " no_progress_timeout_ms=?, notify_interval_ms=?, custom_headers=?, proxy_usage=?, proxy_list=?, proxy_bypass=?,"
			+ " max_download_size=?, redirect_policy=?, notify_flags=?, handler_id=?, error_context=?, error_code=?,"
			+ " error_description=?, error_file=?, notify_error_context=?, notify_error_code=?, notify_error_description=?,"
			+ " notify_error_file=?, modified_ms=?, transferred_ms=?, last_progress_ms=?, retry_at_ms=?, plain_http_auth=?,"
			+ " version=?, claimed_by=?, epoch=?, callback_engine=?, pinned_to=?, pinned_request=?, reply_file=?, upload_protocol=?";
	private static final int JOB_COLUMN_COUNT = (int) JOB_COLUMNS.chars().filter(c -> c == '?').count();
	private static final String JOURNAL_INSERT = "INSERT INTO journal (job, owner, kind, file, created_ms) VALUES (?,?,?,?,?)";

	/** Where the store is, for messages (never a password). */
	final String where;
	final Secrets secrets;
	private final ThreadLocal<Boolean> inTransaction = ThreadLocal.withInitial(() -> false);

	JdbcJobStore(String where, Secrets secrets) {
		this.where = where;
		this.secrets = secrets;
	}

	/** @return a connection for one transaction or read */
	abstract Connection borrow() throws SQLException;

	/** Ends the use of a borrowed connection ({@code null}: none was borrowed). */
	abstract void giveBack(Connection c);

	/** @return the column that orders jobs created in the same millisecond as they were inserted */
	abstract String insertionOrder();

	/** @return what a SELECT adds to lock the rows it reads until the commit ("" where a transaction locks everything) */
	String lockRows() {
		return "";
	}

	/** Starts a read transaction that sees one snapshot for all its queries; nothing where a transaction does already. */
	void beginRead(Connection c) throws SQLException {
	}

	/** Puts the job at the end of the queue among its priority; nothing where one engine orders its own queue. */
	void requeue(JdbcWrites w, UUID job) {
	}

	/**
	 * Tells the other engines, at the commit, which jobs' rows changed (with their new versions; a deleted job's with
	 * {@link SharedQueue.Announcement#CANCELLED} or {@link SharedQueue.Announcement#COMPLETED}); nothing where no other
	 * engine shares the store.
	 */
	void announce(JdbcWrites w, Map<UUID, Long> jobs) throws SQLException {
	}

	@Override
	public Optional<SharedQueue> shared() {
		return Optional.empty();
	}

	@Override
	public String toString() {
		return "store " + where;
	}

	/** Runs one statement outside the port, as a person with a SQL client would (for tests). */
	void execute(String sql) {
		Connection c = null;
		try {
			c = borrow();
			try (Statement s = c.createStatement()) {
				s.execute(sql);
			}
		} catch (SQLException e) {
			throw new StoreException("store " + where + ": " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
	}

	/**
	 * Whatever fails, the work or the commit, the transaction is rolled back and the connection left as it was found,
	 * so the next transaction starts clean.
	 */
	@Override
	public void transaction(Consumer<Writes> work) {
		if (inTransaction.get()) {
			throw new IllegalStateException("a transaction is already open on " + this + ": transactions do not nest");
		}
		inTransaction.set(true);
		Connection c = null;
		JdbcWrites writes = null;
		boolean committed = false;
		try {
			c = borrow();
			c.setAutoCommit(false);
			writes = new JdbcWrites(c);
			work.accept(writes);
			writes.writeJournal();
			writes.checkFences();
			if (!writes.changed.isEmpty()) {
				announce(writes, writes.changed);
			}
			c.commit();
			committed = true;
		} catch (SQLException e) {
			throw new StoreException("store transaction failed in " + where + ": " + e.getMessage(), e);
		} finally {
			inTransaction.set(false);
			if (writes != null) {
				writes.close();
			}
			end(c, committed);
		}
	}

	private void end(Connection c, boolean committed) {
		if (c == null) {
			return;
		}
		try {
			try {
				if (!committed && !c.getAutoCommit()) {
					c.rollback();
				}
			} catch (SQLException e) {
				// the connection is closing or broken; setting autocommit below ends what is left of the transaction
			}
			c.setAutoCommit(true);
		} catch (SQLException e) {
			throw new StoreException("store " + where + " cannot end a failed transaction: " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
	}

	/** The writes of one transaction, on its connection; each statement prepared once per transaction. */
	final class JdbcWrites implements Writes {
		private final Connection connection;
		private final Map<String, PreparedStatement> statements = new LinkedHashMap<>();
		/** The jobs whose rows this transaction writes, with their new versions (-1: deleted). */
		private final Map<UUID, Long> changed = new LinkedHashMap<>();
		/** The claims that the transaction's writes of these jobs are conditional on, not checked yet. */
		private final Map<UUID, Claim> fences = new LinkedHashMap<>();
		/** Whether journal entries wait in the batch of {@link #JOURNAL_INSERT}. */
		private boolean journalEntries;

		JdbcWrites(Connection connection) {
			this.connection = connection;
		}

		@Override
		public void insertJob(JobRecord job) {
			update("INSERT INTO job (id, owner, type, created_ms, " + JOB_COLUMNS.replace("=?", "") + ") VALUES (?,?,?,?,"
					+ "?,".repeat(JOB_COLUMN_COUNT - 1) + "?)", s -> {
						s.setString(1, job.id().toString());
						s.setString(2, job.owner());
						s.setString(3, job.type().name());
						s.setLong(4, job.created().toEpochMilli());
						bindJob(s, 5, job);
					});
			changed.put(job.id(), job.version());
			saveCredentials(this, job, secrets);
			insertFiles(job.id(), job.files());
			for (Notice n : job.notices()) {
				insertNotice(job.id(), n.kind(), n.file());
			}
		}

		@Override
		public void updateJob(JobRecord job, boolean credentialsChanged) {
			// a fence on this job is checked by the update itself: one statement, and the row stays locked until the commit
			Claim claim = fences.remove(job.id());
			int rows = update("UPDATE job SET " + JOB_COLUMNS + " WHERE id=? AND version=?"
					+ (claim == null ? "" : " AND epoch=? AND (claimed_by=? OR claimed_by IS NULL)"), s -> {
						int i = bindJob(s, 1, job);
						s.setString(i++, job.id().toString());
						s.setLong(i++, job.version() - 1);
						if (claim != null) {
							s.setLong(i++, claim.epoch());
							s.setString(i, claim.engine());
						}
					});
			if (rows == 0) {
				if (claim != null) {
					checkFence(job.id(), claim); // fenced, or else stale
				}
				throw new StaleRecordException("job " + job.id() + " changed or ended in " + where + " since version " + (job.version() - 1)
						+ " was read");
			}
			changed.put(job.id(), job.version());
			if (credentialsChanged) {
				saveCredentials(this, job, secrets);
			}
		}

		@Override
		public void fence(UUID job, Claim claim) {
			fences.put(job, claim); // checked by the job's update, or before the commit (checkFences)
		}

		/** The fences no update of their job checked: each a locking read before the commit. */
		void checkFences() {
			for (Map.Entry<UUID, Claim> f : fences.entrySet()) {
				checkFence(f.getKey(), f.getValue());
			}
			fences.clear();
		}

		private void checkFence(UUID job, Claim claim) {
			try {
				PreparedStatement s = prepared("SELECT 1 FROM job WHERE id=? AND epoch=? AND (claimed_by=? OR claimed_by IS NULL)" + lockRows());
				s.setString(1, job.toString());
				s.setLong(2, claim.epoch());
				s.setString(3, claim.engine());
				try (ResultSet r = s.executeQuery()) {
					if (!r.next()) {
						throw new FencedException("job " + job + " is no longer claimed by engine " + claim.engine() + " in epoch " + claim.epoch()
								+ " in " + where + ": taken over or ended");
					}
				}
			} catch (SQLException e) {
				throw new StoreException("store update failed in " + where + ": " + e.getMessage(), e);
			}
		}

		@Override
		public void requeue(UUID job) {
			JdbcJobStore.this.requeue(this, job);
		}

		@Override
		public void deleteJob(UUID id, JobState finalState) {
			update("DELETE FROM job WHERE id=?", s -> s.setString(1, id.toString()));
			changed.put(id, finalState == JobState.ACKNOWLEDGED ? SharedQueue.Announcement.COMPLETED : SharedQueue.Announcement.CANCELLED);
		}

		@Override
		public void insertFiles(UUID job, List<FileRecord> files) {
			for (FileRecord f : files) {
				update("INSERT INTO file (job, idx, remote, local, temporary, bytes_total, bytes_transferred, completed,"
						+ " validation, validator, temporary_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)", s -> {
							s.setString(1, job.toString());
							s.setInt(2, f.index());
							s.setString(3, f.remote().toString());
							s.setString(4, f.local().toString());
							s.setString(5, f.temporary().toString());
							bindFile(s, 6, f);
						});
			}
		}

		@Override
		public void updateFile(UUID job, FileRecord f) {
			update("UPDATE file SET bytes_total=?, bytes_transferred=?, completed=?, validation=?, validator=?, temporary_key=?"
					+ " WHERE job=? AND idx=?", s -> {
						int i = bindFile(s, 1, f);
						s.setString(i++, job.toString());
						s.setInt(i, f.index());
					});
		}

		@Override
		public Notice insertNotice(UUID job, Notice.Kind kind, int file) {
			long id = insert("INSERT INTO outbox (job, kind, file, created_ms) VALUES (?,?,?,?) RETURNING id", s -> {
				s.setString(1, job.toString());
				s.setString(2, kind.name());
				s.setInt(3, file);
				s.setLong(4, System.currentTimeMillis());
			});
			return new Notice(id, job, kind, file);
		}

		@Override
		public void deleteNotice(long id) {
			update("DELETE FROM outbox WHERE id=?", s -> s.setLong(1, id));
		}

		@Override
		public void insertJournal(UUID job, String owner, Notice.Kind kind, int file) {
			try {
				PreparedStatement s = prepared(JOURNAL_INSERT);
				s.setString(1, job.toString());
				s.setString(2, owner);
				s.setString(3, kind.name());
				s.setInt(4, file);
				s.setLong(5, System.currentTimeMillis());
				s.addBatch();
				journalEntries = true;
			} catch (SQLException e) {
				throw new StoreException("store update failed in " + where + ": " + e.getMessage(), e);
			}
		}

		/** Writes the transaction's journal entries, in one round trip to a database server (a small job records two). */
		void writeJournal() throws SQLException {
			if (journalEntries) {
				journalEntries = false;
				prepared(JOURNAL_INSERT).executeBatch();
			}
		}

		@Override
		public void pruneJournal(Instant before) {
			update("DELETE FROM journal WHERE created_ms < ?", s -> s.setLong(1, before.toEpochMilli()));
		}

		PreparedStatement prepared(String sql) throws SQLException {
			PreparedStatement s = statements.get(sql);
			if (s == null) {
				s = connection.prepareStatement(sql);
				statements.put(sql, s);
			}
			return s;
		}

		/** One statement of the transaction; @return the rows it changed */
		int update(String sql, Binder binder) {
			try {
				PreparedStatement s = prepared(sql);
				binder.bind(s);
				return s.executeUpdate();
			} catch (SQLException e) {
				throw new StoreException("store update failed in " + where + ": " + e.getMessage(), e);
			}
		}

		/** @return the id the database gave the row ({@code RETURNING id}) */
		long insert(String sql, Binder binder) {
			try {
				PreparedStatement s = prepared(sql);
				binder.bind(s);
				try (ResultSet r = s.executeQuery()) {
					r.next();
					return r.getLong(1);
				}
			} catch (SQLException e) {
				throw new StoreException("store update failed in " + where + ": " + e.getMessage(), e);
			}
		}

		void close() {
			for (PreparedStatement s : statements.values()) {
				try {
					s.close();
				} catch (SQLException e) {
					// the transaction's outcome is decided; a statement that cannot close goes with its connection
				}
			}
		}
	}

	@Override
	public List<JournalEntry> journal(long afterId, String owner, UUID job, int limit) {
		String sql = "SELECT * FROM journal WHERE id > ?" + (owner == null ? "" : " AND owner = ?") + (job == null ? "" : " AND job = ?")
				+ " ORDER BY id LIMIT ?";
		List<JournalEntry> result = new ArrayList<>();
		Connection c = null;
		try {
			c = borrow();
			PreparedStatement s = c.prepareStatement(sql);
			int i = 1;
			s.setLong(i++, afterId);
			if (owner != null) {
				s.setString(i++, owner);
			}
			if (job != null) {
				s.setString(i++, job.toString());
			}
			s.setInt(i, limit);
			try (ResultSet r = s.executeQuery()) {
				while (r.next()) {
					long id = r.getLong("id");
					result.add(new JournalEntry(id, UUID.fromString(r.getString("job")), r.getString("owner"),
							name(Notice.Kind.class, r.getString("kind"), "kind of journal entry " + id), r.getInt("file"),
							Instant.ofEpochMilli(r.getLong("created_ms"))));
				}
			}
			s.close();
		} catch (SQLException e) {
			throw new StoreException("cannot read the journal in " + where + ": " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
		return result;
	}

	@Override
	public long lastJournalId() {
		Connection c = null;
		try {
			c = borrow();
			try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM journal")) {
				r.next();
				return r.getLong(1);
			}
		} catch (SQLException e) {
			throw new StoreException("cannot read the journal in " + where + ": " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
	}

	@Override
	public Loaded load() {
		return read(null);
	}

	/**
	 * Every job's version; the files' progress and pending notifications of the claimed jobs only, found through their
	 * index, whatever the number of jobs kept (a read of every file and notification grows with them: 460 ms with 24,000
	 * jobs).
	 */
	static final String STAMPS = "SELECT j.id, j.version, j.claimed_by, COALESCE(f.total, 0), COALESCE(f.bytes, 0),"
			+ " COALESCE(f.whole, 0), COALESCE(o.n, 0), COALESCE(o.ids, 0) FROM job j"
			+ " LEFT JOIN (SELECT f.job, SUM(f.bytes_total) AS total, SUM(f.bytes_transferred) AS bytes, SUM(f.completed) AS whole"
			+ " FROM job c JOIN file f ON f.job = c.id WHERE c.claimed_by IS NOT NULL GROUP BY f.job) f ON f.job = j.id"
			+ " LEFT JOIN (SELECT o.job, COUNT(*) AS n, SUM(o.id) AS ids"
			+ " FROM job c JOIN outbox o ON o.job = c.id WHERE c.claimed_by IS NOT NULL GROUP BY o.job) o ON o.job = j.id";

	/** Every job's version, files' progress and pending notifications. */
	private static final String WHOLE_STAMPS = "SELECT j.id, j.version, j.claimed_by, COALESCE(f.total, 0), COALESCE(f.bytes, 0),"
			+ " COALESCE(f.whole, 0), COALESCE(o.n, 0), COALESCE(o.ids, 0) FROM job j"
			+ " LEFT JOIN (SELECT job, SUM(bytes_total) AS total, SUM(bytes_transferred) AS bytes, SUM(completed) AS whole"
			+ " FROM file GROUP BY job) f ON f.job = j.id"
			+ " LEFT JOIN (SELECT job, COUNT(*) AS n, SUM(id) AS ids FROM outbox GROUP BY job) o ON o.job = j.id";

	@Override
	public Map<UUID, Stamp> stamps(boolean whole) {
		Map<UUID, Stamp> stamps = new HashMap<>();
		Connection c = null;
		try {
			c = borrow();
			try (Statement s = c.createStatement();
					ResultSet r = s.executeQuery(whole ? WHOLE_STAMPS : STAMPS)) {
				while (r.next()) {
					Transfer t = !whole && r.getString(3) == null ? null
							: new Transfer(r.getLong(4), r.getLong(5), r.getLong(6), r.getLong(7), r.getLong(8));
					stamps.put(UUID.fromString(r.getString(1)), new Stamp(r.getLong(2), t));
				}
			}
		} catch (SQLException | IllegalArgumentException e) {
			throw new StoreException("cannot read the jobs' versions in " + where + ": " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
		return stamps;
	}

	@Override
	public Optional<JobRecord> load(UUID job) {
		Loaded read = read(List.of(job.toString()));
		return read.jobs().stream().findFirst();
	}

	@Override
	public List<JobRecord> load(Collection<UUID> jobs) {
		if (jobs.isEmpty()) {
			return List.of();
		}
		return read(jobs.stream().map(UUID::toString).toList()).jobs();
	}

	/** Reads every job ({@code null}), or those with these ids, with its files, notices and credentials. */
	private Loaded read(List<String> only) {
		Map<String, JobRecord> jobs = new LinkedHashMap<>();
		Map<String, List<FileRecord>> files = new LinkedHashMap<>();
		Map<String, List<Notice>> notices = new LinkedHashMap<>();
		Map<String, List<Credentials>> credentials = new LinkedHashMap<>();
		List<String> warnings = new ArrayList<>();
		Connection c = null;
		try {
			c = borrow();
			try (Rows rows = new Rows(c, only)) {
				try (ResultSet r = rows.query("SELECT * FROM job", "id", "ORDER BY created_ms, " + insertionOrder())) {
					while (r.next()) {
						String id = r.getString("id");
						jobs.put(id, readJob(r, warnings));
						files.put(id, new ArrayList<>());
						notices.put(id, new ArrayList<>());
						credentials.put(id, new ArrayList<>());
					}
				}
				try (ResultSet r = rows.query("SELECT * FROM file", "job", "ORDER BY job, idx")) {
					while (r.next()) {
						String job = r.getString("job");
						int index = r.getInt("idx");
						List<FileRecord> list = of(files, job, "file", only);
						if (list != null) {
							list.add(new FileRecord(index, URI.create(r.getString("remote")), Path.of(r.getString("local")),
									Path.of(r.getString("temporary")), r.getLong("bytes_total"), r.getLong("bytes_transferred"), r.getInt("completed") != 0,
									name(ValidationState.class, r.getString("validation"), "validation of file " + index + " of job " + job),
									r.getString("validator"), r.getString("temporary_key")));
						}
					}
				}
				try (ResultSet r = rows.query("SELECT * FROM outbox", "job", "ORDER BY job, id")) { // by outbox_job, not all of it by id
					while (r.next()) {
						String job = r.getString("job");
						long id = r.getLong("id");
						List<Notice> list = of(notices, job, "notification", only);
						if (list != null) {
							list.add(new Notice(id, UUID.fromString(job), name(Notice.Kind.class, r.getString("kind"), "kind of notification " + id),
									r.getInt("file")));
						}
					}
				}
				try (ResultSet r = rows.query("SELECT * FROM credential", "job", "")) {
					while (r.next()) {
						String job = r.getString("job");
						List<Credentials> list = of(credentials, job, "credential", only);
						if (list == null) {
							continue;
						}
						AuthTarget target = name(AuthTarget.class, r.getString("target"), "credential target of job " + job);
						String password;
						try {
							password = secrets.open(r.getString("password"), credentialPlace(job, target));
						} catch (StoreException e) {
							warnings.add("job " + job + ": its " + target + " credentials are dropped: " + e.getMessage());
							continue;
						}
						list.add(new Credentials(target, name(AuthScheme.class, r.getString("scheme"), "credential scheme of job " + job),
								r.getString("user_name"), password));
					}
				}
			}
		} catch (SQLException | StoreException e) {
			throw new StoreException("cannot read the store in " + where + ": " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
		List<JobRecord> loaded = new ArrayList<>();
		jobs.forEach((id, job) -> loaded.add(job.with(b -> b.addFiles(files.get(id)).notices(notices.get(id))
				.settings(settings -> settings.with(p -> credentials.get(id).forEach(p::credentials))))));
		return new Loaded(loaded, warnings);
	}

	/**
	 * The queries of one read, all of one snapshot where the database gives one; only one job's rows if asked. In a
	 * shared store the read is one transaction, so that another engine's commit is seen whole or not at all.
	 */
	private final class Rows implements AutoCloseable {
		private final Connection c;
		private final List<String> only;
		private final List<Statement> statements = new ArrayList<>();
		private final boolean began;

		Rows(Connection c, List<String> only) throws SQLException {
			this.c = c;
			this.only = only;
			began = c.getAutoCommit();
			if (began) {
				c.setAutoCommit(false);
				beginRead(c);
			}
		}

		ResultSet query(String select, String idColumn, String order) throws SQLException {
			if (only == null) {
				Statement s = c.createStatement();
				statements.add(s);
				return s.executeQuery(select + " " + order);
			}
			PreparedStatement s = c.prepareStatement(select + " WHERE " + idColumn + " IN (" + String.join(", ", Collections.nCopies(only.size(), "?"))
					+ ") " + order);
			statements.add(s);
			for (int i = 0; i < only.size(); i++) {
				s.setString(i + 1, only.get(i));
			}
			return s.executeQuery();
		}

		@Override
		public void close() throws SQLException {
			for (Statement s : statements) {
				s.close();
			}
			if (began) {
				try {
					c.commit();
				} finally {
					c.setAutoCommit(true);
				}
			}
		}
	}

	/**
	 * @return the rows of a job read so far; a row that names another job is a damaged store, unless the read is of
	 *         some jobs, one of which another engine may have inserted (or deleted) between the queries: then {@code null}
	 */
	private static <T> List<T> of(Map<String, List<T>> rows, String job, String what, List<String> only) {
		List<T> list = rows.get(job);
		if (list == null && only == null) {
			throw new StoreException("a " + what + " names job " + job + ", which the store does not have");
		}
		return list;
	}

	/** The notification flags from their stored names, joined by commas. */
	private static EnumSet<NotifyFlag> flags(String stored, String what) {
		EnumSet<NotifyFlag> flags = EnumSet.noneOf(NotifyFlag.class);
		for (String name : stored.split(",")) {
			if (!name.isEmpty()) {
				flags.add(name(NotifyFlag.class, name, what));
			}
		}
		return flags;
	}

	/** An enum value from its stored name; one this engine does not know is a clear error. */
	static <E extends Enum<E>> E name(Class<E> type, String stored, String what) {
		try {
			return Enum.valueOf(type, stored);
		} catch (IllegalArgumentException | NullPointerException e) {
			throw new StoreException(what + " has the stored value " + stored + ", which is no " + type.getSimpleName()
					+ " this engine knows (a store of a newer engine, or a damaged one)");
		}
	}

	// --- mapping ---------------------------------------------------------------------------------------------

	static String credentialPlace(String job, AuthTarget target) {
		return job + "/credential/" + target.name();
	}

	static String headersPlace(String job) {
		return job + "/custom_headers";
	}

	private static void saveCredentials(JdbcWrites w, JobRecord job, Secrets secrets) {
		w.update("DELETE FROM credential WHERE job=?", s -> s.setString(1, job.id().toString()));
		for (Credentials c : job.settings().credentials().values()) {
			w.update("INSERT INTO credential (job, target, scheme, user_name, password) VALUES (?,?,?,?,?)", s -> {
				s.setString(1, job.id().toString());
				s.setString(2, c.target().name());
				s.setString(3, c.scheme().name());
				s.setString(4, c.userName());
				s.setString(5, secrets.seal(c.password(), credentialPlace(job.id().toString(), c.target())));
			});
		}
	}

	/** Binds the mutable job columns (JOB_COLUMNS) from position i; returns the next position. */
	private int bindJob(PreparedStatement s, int i, JobRecord j) throws SQLException {
		JobSettings p = j.settings();
		s.setString(i++, j.state().name());
		s.setString(i++, p.displayName());
		s.setString(i++, p.description());
		s.setString(i++, p.priority().name());
		s.setLong(i++, p.minimumRetryDelay().toMillis());
		s.setLong(i++, p.noProgressTimeout().toMillis());
		s.setLong(i++, p.minimumNotificationInterval().toMillis());
		StringBuilder headers = new StringBuilder();
		p.customHeaders().forEach((k, v) -> headers.append(k).append(": ").append(v).append('\n'));
		s.setString(i++, secrets.seal(headers.toString(), headersPlace(j.id().toString())));
		s.setString(i++, p.proxySettings().usage().name());
		s.setString(i++, String.join("\n", p.proxySettings().proxies()));
		s.setString(i++, String.join("\n", p.proxySettings().bypass()));
		s.setLong(i++, p.maxDownloadSize());
		s.setString(i++, p.redirectPolicy().name());
		s.setString(i++, String.join(",", p.notifyFlags().stream().map(Enum::name).toList()));
		s.setString(i++, p.handlerId());
		i = bindError(s, i, j.error());
		i = bindError(s, i, j.notificationError());
		s.setLong(i++, j.modified().toEpochMilli());
		setInstant(s, i++, j.transferred());
		s.setLong(i++, j.lastProgress().toEpochMilli());
		setInstant(s, i++, j.retryAt());
		s.setInt(i++, p.plainHttpAuthentication() ? 1 : 0);
		s.setLong(i++, j.version());
		s.setString(i++, j.claim());
		s.setLong(i++, j.epoch());
		s.setString(i++, j.callbackEngine());
		s.setString(i++, j.pinnedTo());
		s.setString(i++, j.pinnedRequest());
		s.setString(i++, p.replyFile() == null ? null : p.replyFile().toString());
		s.setString(i++, p.uploadProtocol().name());
		return i;
	}

	private static int bindError(PreparedStatement s, int i, JobError e) throws SQLException {
		if (e == null) { // typed as the columns are: PostgreSQL takes no integer null for a text column
			s.setNull(i++, Types.VARCHAR);
			s.setNull(i++, Types.INTEGER);
			s.setNull(i++, Types.VARCHAR);
			s.setNull(i++, Types.INTEGER);
			return i;
		}
		s.setString(i++, e.context().name());
		s.setInt(i++, e.code());
		s.setString(i++, e.description());
		s.setInt(i++, e.file());
		return i;
	}

	private static int bindFile(PreparedStatement s, int i, FileRecord f) throws SQLException {
		s.setLong(i++, f.bytesTotal());
		s.setLong(i++, f.bytesTransferred());
		s.setInt(i++, f.completed() ? 1 : 0);
		s.setString(i++, f.validation().name());
		s.setString(i++, f.validator());
		s.setString(i++, f.temporaryKey());
		return i;
	}

	private static void setInstant(PreparedStatement s, int i, Instant t) throws SQLException {
		if (t == null) {
			s.setNull(i, Types.BIGINT);
		} else {
			s.setLong(i, t.toEpochMilli());
		}
	}

	/** A job's row, without its files, notices and credentials, which have tables of their own. */
	private JobRecord readJob(ResultSet r, List<String> warnings) throws SQLException {
		String id = r.getString("id");
		String headers;
		try {
			headers = secrets.open(r.getString("custom_headers"), headersPlace(id));
		} catch (StoreException e) {
			warnings.add("job " + id + ": its custom headers are dropped: " + e.getMessage());
			headers = "";
		}
		Map<String, String> customHeaders = new LinkedHashMap<>();
		for (String line : headers.split("\n")) {
			int colon = line.indexOf(": ");
			if (colon > 0) {
				customHeaders.put(line.substring(0, colon), line.substring(colon + 2));
			}
		}
		JobSettings settings = new JobSettings(r.getString("display_name"), r.getString("description"),
				name(JobPriority.class, r.getString("priority"), "priority of job " + id), Duration.ofMillis(r.getLong("retry_delay_ms")),
				Duration.ofMillis(r.getLong("no_progress_timeout_ms")), Duration.ofMillis(r.getLong("notify_interval_ms")), customHeaders,
				Map.of(), new ProxySettings(name(ProxyUsage.class, r.getString("proxy_usage"), "proxy usage of job " + id),
						lines(r.getString("proxy_list")), lines(r.getString("proxy_bypass"))),
				r.getLong("max_download_size"), name(RedirectPolicy.class, r.getString("redirect_policy"), "redirect policy of job " + id),
				r.getInt("plain_http_auth") != 0, flags(r.getString("notify_flags"), "notify flags of job " + id), r.getString("handler_id"),
				r.getString("reply_file") == null ? null : Path.of(r.getString("reply_file")),
				name(UploadProtocol.class, r.getString("upload_protocol"), "upload protocol of job " + id));
		return new JobRecord(UUID.fromString(id), r.getString("owner"), name(JobType.class, r.getString("type"), "type of job " + id),
				Instant.ofEpochMilli(r.getLong("created_ms")), name(JobState.class, r.getString("state"), "state of job " + id), settings,
				readError(r, "error_", id), readError(r, "notify_error_", id), Instant.ofEpochMilli(r.getLong("modified_ms")),
				instant(r, "transferred_ms"), Instant.ofEpochMilli(r.getLong("last_progress_ms")), instant(r, "retry_at_ms"), List.of(),
				List.of(), r.getLong("version"), r.getString("claimed_by"), r.getLong("epoch"), r.getString("callback_engine"),
				r.getString("pinned_to"), r.getString("pinned_request"));
	}

	private static JobError readError(ResultSet r, String prefix, String job) throws SQLException {
		String context = r.getString(prefix + "context");
		if (context == null) {
			return null;
		}
		return new JobError(name(ErrorContext.class, context, prefix + "context of job " + job), r.getInt(prefix + "code"),
				r.getString(prefix + "description"), r.getInt(prefix + "file"));
	}

	private static Instant instant(ResultSet r, String column) throws SQLException {
		long ms = r.getLong(column);
		return r.wasNull() ? null : Instant.ofEpochMilli(ms);
	}

	private static List<String> lines(String s) {
		return s.isEmpty() ? List.of() : List.of(s.split("\n"));
	}

	interface Binder {
		void bind(PreparedStatement s) throws SQLException;
	}
}
