package bits.engine.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

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
import bits.api.ValidationState;

/**
 * The durable store: SQLite through JDBC, in WAL mode with {@code synchronous=FULL}, so a committed change survives
 * a {@code kill -9} and a power loss (SPEC J7). Not thread-safe on its own: the job table serializes its calls.
 */
public final class Store implements AutoCloseable {
	private static final String JOB_COLUMNS = "state=?, display_name=?, description=?, priority=?, retry_delay_ms=?,"
			+ " no_progress_timeout_ms=?, notify_interval_ms=?, custom_headers=?, proxy_usage=?, proxy_list=?, proxy_bypass=?,"
			+ " max_download_size=?, redirect_policy=?, notify_flags=?, handler_id=?, error_context=?, error_code=?,"
			+ " error_description=?, error_file=?, notify_error_context=?, notify_error_code=?, notify_error_description=?,"
			+ " notify_error_file=?, modified_ms=?, transferred_ms=?, last_progress_ms=?, retry_at_ms=?";

	private final Path directory;
	private final StoreLock lock;
	private final Connection connection;
	private int depth;
	private boolean syncLater;
	private volatile java.nio.channels.FileChannel wal;

	private Store(Path directory, StoreLock lock, Connection connection) {
		this.directory = directory;
		this.lock = lock;
		this.connection = connection;
	}

	/**
	 * Opens (creating if needed) the store in a directory, migrating its schema.
	 *
	 * @throws StoreException "store DIR is in use by process N" if another engine has it open
	 */
	public static Store open(Path directory) {
		try {
			Files.createDirectories(directory);
			StoreLock lock = StoreLock.acquire(directory);
			try {
				SQLiteConfig config = new SQLiteConfig();
				config.setJournalMode(SQLiteConfig.JournalMode.WAL);
				// commits are made durable by sync(): an fsync of the WAL, which callers may make after releasing their lock
				config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
				config.enforceForeignKeys(true);
				config.setBusyTimeout(10_000);
				SQLiteDataSource source = new SQLiteDataSource(config);
				source.setUrl("jdbc:sqlite:" + directory.resolve("bits.db"));
				Connection c = source.getConnection();
				Schema.migrate(c);
				return new Store(directory, lock, c);
			} catch (SQLException | RuntimeException e) {
				lock.close();
				throw e;
			}
		} catch (SQLException | IOException e) {
			throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
		}
	}

	public Path directory() {
		return directory;
	}

	/**
	 * As {@link #transaction}, but the commit is not yet durable when this returns: the caller must call {@link #sync()},
	 * typically after releasing the lock that serializes the store, so readers do not wait for the disk.
	 */
	public void transactionSyncedLater(Runnable work) {
		boolean before = syncLater;
		syncLater = true;
		try {
			transaction(work);
		} finally {
			syncLater = before;
		}
	}

	/** Makes every commit so far durable (the WAL's fsync: what synchronous=FULL does at each commit). Thread-safe. */
	public void sync() {
		try {
			java.nio.channels.FileChannel w = wal;
			if (w == null) {
				synchronized (this) {
					if (wal == null) {
						wal = java.nio.channels.FileChannel.open(directory.resolve("bits.db-wal"), java.nio.file.StandardOpenOption.READ);
					}
					w = wal;
				}
			}
			w.force(false);
		} catch (IOException e) {
			throw new StoreException("cannot sync the store: " + e.getMessage(), e);
		}
	}

	/** Runs a unit of work in one transaction, durable when this returns; nested calls join the outer one. */
	public void transaction(Runnable work) {
		try {
			if (depth++ == 0) {
				connection.setAutoCommit(false);
			}
			boolean ok = false;
			try {
				work.run();
				ok = true;
			} finally {
				if (--depth == 0) {
					if (ok) {
						connection.commit();
						if (!syncLater) {
							sync();
						}
					} else {
						connection.rollback();
					}
					connection.setAutoCommit(true);
				}
			}
		} catch (SQLException e) {
			throw new StoreException("store transaction failed: " + e.getMessage(), e);
		}
	}

	public void insertJob(JobRow job) {
		transaction(() -> {
			update("INSERT INTO job (id, owner, type, created_ms, " + JOB_COLUMNS.replace("=?", "") + ") VALUES (?,?,?,?,"
					+ "?,".repeat(27).substring(0, 53) + ")", s -> {
						s.setString(1, job.id.toString());
						s.setString(2, job.owner);
						s.setInt(3, job.type.ordinal());
						s.setLong(4, job.created.toEpochMilli());
						bindJob(s, 5, job);
					});
			saveCredentials(job);
			insertFiles(job, job.files);
		});
	}

	public void updateJob(JobRow job) {
		transaction(() -> {
			update("UPDATE job SET " + JOB_COLUMNS + " WHERE id=?", s -> s.setString(bindJob(s, 1, job), job.id.toString()));
			saveCredentials(job);
		});
	}

	public void deleteJob(UUID id) {
		update("DELETE FROM job WHERE id=?", s -> s.setString(1, id.toString()));
	}

	public void insertFiles(JobRow job, List<FileRow> files) {
		transaction(() -> {
			for (FileRow f : files) {
				update("INSERT INTO file (job, idx, remote, local, temporary, bytes_total, bytes_transferred, completed,"
						+ " validation, validator) VALUES (?,?,?,?,?,?,?,?,?,?)", s -> {
							s.setString(1, job.id.toString());
							s.setInt(2, f.index);
							s.setString(3, f.remote.toString());
							s.setString(4, f.local.toString());
							s.setString(5, f.temporary.toString());
							bindFile(s, 6, f);
						});
			}
		});
	}

	/** Records a file's progress: a checkpoint, or its completion. */
	public void updateFile(JobRow job, FileRow f) {
		update("UPDATE file SET bytes_total=?, bytes_transferred=?, completed=?, validation=?, validator=? WHERE job=? AND idx=?", s -> {
			int i = bindFile(s, 1, f);
			s.setString(i++, job.id.toString());
			s.setInt(i, f.index);
		});
	}

	/** Records a notification in the outbox; call it inside the transaction of the change that causes it. */
	public Notice insertNotice(UUID job, Notice.Kind kind, int file) {
		update("INSERT INTO outbox (job, kind, file, created_ms) VALUES (?,?,?,?)", s -> {
			s.setString(1, job.toString());
			s.setInt(2, kind.ordinal());
			s.setInt(3, file);
			s.setLong(4, System.currentTimeMillis());
		});
		try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT last_insert_rowid()")) {
			return new Notice(r.getLong(1), job, kind, file);
		} catch (SQLException e) {
			throw new StoreException("cannot read the outbox id: " + e.getMessage(), e);
		}
	}

	public void deleteNotice(long id) {
		update("DELETE FROM outbox WHERE id=?", s -> s.setLong(1, id));
	}

	/** @return every job, oldest first, with its files, credentials and pending notifications */
	public List<JobRow> loadJobs() {
		Map<String, JobRow> jobs = new LinkedHashMap<>();
		try (Statement s = connection.createStatement()) {
			try (ResultSet r = s.executeQuery("SELECT * FROM job ORDER BY created_ms, rowid")) {
				while (r.next()) {
					JobRow job = readJob(r);
					jobs.put(r.getString("id"), job);
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM file ORDER BY job, idx")) {
				while (r.next()) {
					JobRow job = jobs.get(r.getString("job"));
					FileRow f = new FileRow(r.getInt("idx"), URI.create(r.getString("remote")), Path.of(r.getString("local")),
							Path.of(r.getString("temporary")));
					f.bytesTotal = r.getLong("bytes_total");
					f.bytesTransferred = r.getLong("bytes_transferred");
					f.completed = r.getInt("completed") != 0;
					f.validation = ValidationState.values()[r.getInt("validation")];
					f.validator = r.getString("validator");
					job.files.add(f);
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM outbox ORDER BY id")) {
				while (r.next()) {
					JobRow job = jobs.get(r.getString("job"));
					job.notices.add(new Notice(r.getLong("id"), job.id, Notice.Kind.values()[r.getInt("kind")], r.getInt("file")));
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM credential")) {
				while (r.next()) {
					Credentials c = new Credentials(AuthTarget.values()[r.getInt("target")], AuthScheme.values()[r.getInt("scheme")],
							r.getString("user_name"), r.getString("password"));
					jobs.get(r.getString("job")).credentials.put(c.target(), c);
				}
			}
		} catch (SQLException e) {
			throw new StoreException("cannot read the store: " + e.getMessage(), e);
		}
		return new ArrayList<>(jobs.values());
	}

	@Override
	public void close() {
		try {
			connection.close();
			if (wal != null) {
				wal.close();
			}
			lock.close();
		} catch (SQLException | IOException e) {
			throw new StoreException("cannot close the store: " + e.getMessage(), e);
		}
	}

	// --- mapping ---------------------------------------------------------------------------------------------

	private void saveCredentials(JobRow job) {
		update("DELETE FROM credential WHERE job=?", s -> s.setString(1, job.id.toString()));
		for (Credentials c : job.credentials.values()) {
			update("INSERT INTO credential (job, target, scheme, user_name, password) VALUES (?,?,?,?,?)", s -> {
				s.setString(1, job.id.toString());
				s.setInt(2, c.target().ordinal());
				s.setInt(3, c.scheme().ordinal());
				s.setString(4, c.userName());
				s.setString(5, c.password());
			});
		}
	}

	/** Binds the 27 mutable job columns from position i; returns the next position. */
	private static int bindJob(PreparedStatement s, int i, JobRow j) throws SQLException {
		s.setInt(i++, j.state.ordinal());
		s.setString(i++, j.displayName);
		s.setString(i++, j.description);
		s.setInt(i++, j.priority.ordinal());
		s.setLong(i++, j.minimumRetryDelay.toMillis());
		s.setLong(i++, j.noProgressTimeout.toMillis());
		s.setLong(i++, j.minimumNotificationInterval.toMillis());
		StringBuilder headers = new StringBuilder();
		j.customHeaders.forEach((k, v) -> headers.append(k).append(": ").append(v).append('\n'));
		s.setString(i++, headers.toString());
		s.setInt(i++, j.proxySettings.usage().ordinal());
		s.setString(i++, String.join("\n", j.proxySettings.proxies()));
		s.setString(i++, String.join("\n", j.proxySettings.bypass()));
		s.setLong(i++, j.maxDownloadSize);
		s.setInt(i++, j.redirectPolicy.ordinal());
		s.setInt(i++, NotifyFlag.toBits(j.notifyFlags));
		s.setString(i++, j.handlerId);
		i = bindError(s, i, j.error);
		i = bindError(s, i, j.notificationError);
		s.setLong(i++, j.modified.toEpochMilli());
		setInstant(s, i++, j.transferred);
		s.setLong(i++, j.lastProgress.toEpochMilli());
		setInstant(s, i++, j.retryAt);
		return i;
	}

	private static int bindError(PreparedStatement s, int i, JobError e) throws SQLException {
		if (e == null) {
			for (int k = 0; k < 4; k++) {
				s.setNull(i++, Types.INTEGER);
			}
			return i;
		}
		s.setInt(i++, e.context().ordinal());
		s.setInt(i++, e.code());
		s.setString(i++, e.description());
		s.setInt(i++, e.file());
		return i;
	}

	private static int bindFile(PreparedStatement s, int i, FileRow f) throws SQLException {
		s.setLong(i++, f.bytesTotal);
		s.setLong(i++, f.bytesTransferred);
		s.setInt(i++, f.completed ? 1 : 0);
		s.setInt(i++, f.validation.ordinal());
		s.setString(i++, f.validator);
		return i;
	}

	private static void setInstant(PreparedStatement s, int i, Instant t) throws SQLException {
		if (t == null) {
			s.setNull(i, Types.INTEGER);
		} else {
			s.setLong(i, t.toEpochMilli());
		}
	}

	private static JobRow readJob(ResultSet r) throws SQLException {
		JobRow j = new JobRow(UUID.fromString(r.getString("id")), r.getString("owner"), JobType.values()[r.getInt("type")],
				r.getString("display_name"), Instant.ofEpochMilli(r.getLong("created_ms")));
		j.state = JobState.values()[r.getInt("state")];
		j.description = r.getString("description");
		j.priority = JobPriority.values()[r.getInt("priority")];
		j.minimumRetryDelay = Duration.ofMillis(r.getLong("retry_delay_ms"));
		j.noProgressTimeout = Duration.ofMillis(r.getLong("no_progress_timeout_ms"));
		j.minimumNotificationInterval = Duration.ofMillis(r.getLong("notify_interval_ms"));
		for (String line : r.getString("custom_headers").split("\n")) {
			int colon = line.indexOf(": ");
			if (colon > 0) {
				j.customHeaders.put(line.substring(0, colon), line.substring(colon + 2));
			}
		}
		j.proxySettings = new ProxySettings(ProxyUsage.values()[r.getInt("proxy_usage")], lines(r.getString("proxy_list")),
				lines(r.getString("proxy_bypass")));
		j.maxDownloadSize = r.getLong("max_download_size");
		j.redirectPolicy = RedirectPolicy.values()[r.getInt("redirect_policy")];
		j.notifyFlags = NotifyFlag.fromBits(r.getInt("notify_flags"));
		j.handlerId = r.getString("handler_id");
		j.error = readError(r, "error_");
		j.notificationError = readError(r, "notify_error_");
		j.modified = Instant.ofEpochMilli(r.getLong("modified_ms"));
		j.transferred = instant(r, "transferred_ms");
		j.lastProgress = Instant.ofEpochMilli(r.getLong("last_progress_ms"));
		j.retryAt = instant(r, "retry_at_ms");
		return j;
	}

	private static JobError readError(ResultSet r, String prefix) throws SQLException {
		int context = r.getInt(prefix + "context");
		if (r.wasNull()) {
			return null;
		}
		return new JobError(ErrorContext.values()[context], r.getInt(prefix + "code"), r.getString(prefix + "description"),
				r.getInt(prefix + "file"));
	}

	private static Instant instant(ResultSet r, String column) throws SQLException {
		long ms = r.getLong(column);
		return r.wasNull() ? null : Instant.ofEpochMilli(ms);
	}

	private static List<String> lines(String s) {
		return s.isEmpty() ? List.of() : List.of(s.split("\n"));
	}

	private interface Binder {
		void bind(PreparedStatement s) throws SQLException;
	}

	private final Map<String, PreparedStatement> statements = new LinkedHashMap<>();

	private void update(String sql, Binder binder) {
		if (depth == 0) { // a single statement is a transaction too, and durable like one
			transaction(() -> update(sql, binder));
			return;
		}
		try {
			PreparedStatement s = statements.get(sql);
			if (s == null) {
				s = connection.prepareStatement(sql);
				statements.put(sql, s);
			}
			binder.bind(s);
			s.executeUpdate();
		} catch (SQLException e) {
			throw new StoreException("store update failed: " + e.getMessage(), e);
		}
	}
}
