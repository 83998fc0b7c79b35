package bits.engine.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
			+ " notify_error_file=?, modified_ms=?, transferred_ms=?, last_progress_ms=?, retry_at_ms=?, plain_http_auth=?";
	private static final int JOB_COLUMN_COUNT = (int) JOB_COLUMNS.chars().filter(c -> c == '?').count();
	private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private final Path directory;
	private final StoreLock lock;
	private final Connection connection;
	private final Secrets secrets;
	private final List<String> loadWarnings = new ArrayList<>();
	private int depth;
	private boolean syncLater;
	private volatile java.nio.channels.FileChannel wal;

	private Store(Path directory, StoreLock lock, Connection connection, Secrets secrets) {
		this.directory = directory;
		this.lock = lock;
		this.connection = connection;
		this.secrets = secrets;
	}

	/**
	 * Opens (creating if needed) the store in a directory, migrating its schema. The directory is made readable by
	 * the engine's user only (0700), and so are its files (0600); passwords and custom header values are sealed with
	 * {@code secrets} (see {@link Secrets}), those of an older store when it is opened.
	 *
	 * @throws StoreException "store DIR is in use by process N" if another engine has it open; a message naming the
	 *         store and the problem if it cannot be read
	 */
	public static Store open(Path directory, Secrets secrets) {
		try {
			privateDirectory(directory);
			StoreLock lock = StoreLock.acquire(directory);
			try {
				Path db = directory.resolve("bits.db");
				try {
					Files.createFile(db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
				} catch (FileAlreadyExistsException e) {
					// an existing store
				} catch (UnsupportedOperationException e) {
					Files.createFile(db);
				}
				SQLiteConfig config = new SQLiteConfig();
				config.setJournalMode(SQLiteConfig.JournalMode.WAL);
				// commits are made durable by sync(): an fsync of the WAL, which callers may make after releasing their lock
				config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
				config.enforceForeignKeys(true);
				config.setBusyTimeout(10_000);
				SQLiteDataSource source = new SQLiteDataSource(config);
				source.setUrl("jdbc:sqlite:" + directory.resolve("bits.db"));
				Connection c = source.getConnection();
				try {
					try (Statement s = c.createStatement()) {
						s.execute("PRAGMA secure_delete = FAST"); // deleted secrets are overwritten where it costs no extra I/O
					}
					Schema.migrate(c);
					for (String name : List.of("bits.db", "bits.db-wal", "bits.db-shm", "bits.lock")) {
						ownerOnly(directory.resolve(name));
					}
					Store store = new Store(directory, lock, c, secrets);
					store.sealPlainSecrets();
					return store;
				} catch (SQLException | RuntimeException e) {
					c.close();
					throw e;
				}
			} catch (SQLException | IOException | RuntimeException e) {
				lock.close();
				throw e;
			}
		} catch (SQLException | IOException e) {
			throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
		}
	}

	/** Creates the directory readable by the engine's user only, or makes an existing one so. */
	private static void privateDirectory(Path directory) throws IOException {
		if (Files.isDirectory(directory)) {
			ownerOnly(directory);
			return;
		}
		Path parent = directory.toAbsolutePath().getParent();
		if (parent != null) {
			Files.createDirectories(parent);
		}
		try {
			Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
		} catch (UnsupportedOperationException e) {
			Files.createDirectory(directory);
		} catch (FileAlreadyExistsException e) {
			// created meanwhile
		}
		ownerOnly(directory); // the attribute is masked by the umask
	}

	private static void ownerOnly(Path p) throws IOException {
		if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || !Files.getFileStore(p).supportsFileAttributeView("posix")) {
			return;
		}
		Files.setPosixFilePermissions(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? OWNER_ONLY_DIRECTORY
				: PosixFilePermissions.fromString("rw-------"));
	}

	/**
	 * Seals the passwords and header blocks a store written before sealing holds in clear, then rewrites the database
	 * file (VACUUM) and empties the WAL, so the clear text is gone from both.
	 */
	private void sealPlainSecrets() throws SQLException {
		Map<String[], String> passwords = new LinkedHashMap<>();
		Map<String, String> headers = new LinkedHashMap<>();
		try (Statement s = connection.createStatement()) {
			try (ResultSet r = s.executeQuery("SELECT job, target, password FROM credential WHERE password <> ''"
					+ " AND substr(password, 1, " + Secrets.SEALED.length() + ") <> '" + Secrets.SEALED + "'")) {
				while (r.next()) {
					passwords.put(new String[] { r.getString(1), r.getString(2) }, r.getString(3));
				}
			}
			try (ResultSet r = s.executeQuery("SELECT id, custom_headers FROM job WHERE custom_headers <> ''"
					+ " AND substr(custom_headers, 1, " + Secrets.SEALED.length() + ") <> '" + Secrets.SEALED + "'")) {
				while (r.next()) {
					headers.put(r.getString(1), r.getString(2));
				}
			}
		}
		if (passwords.isEmpty() && headers.isEmpty()) {
			return;
		}
		transaction(() -> {
			passwords.forEach((k, password) -> update("UPDATE credential SET password=? WHERE job=? AND target=?", s -> {
				s.setString(1, secrets.seal(password, credentialPlace(k[0], name(AuthTarget.class, k[1], "credential target of job " + k[0]))));
				s.setString(2, k[0]);
				s.setString(3, k[1]);
			}));
			headers.forEach((job, block) -> update("UPDATE job SET custom_headers=? WHERE id=?", s -> {
				s.setString(1, secrets.seal(block, headersPlace(job)));
				s.setString(2, job);
			}));
		});
		try (Statement s = connection.createStatement()) {
			s.execute("VACUUM");
			s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
		}
	}

	private static String credentialPlace(String job, AuthTarget target) {
		return job + "/credential/" + target.name();
	}

	private static String headersPlace(String job) {
		return job + "/custom_headers";
	}

	/** Runs one statement on the store's connection, inside the current transaction if there is one (for tests). */
	void execute(String sql) {
		try (Statement s = connection.createStatement()) {
			s.execute(sql);
		} catch (SQLException e) {
			throw new StoreException("store " + directory + ": " + e.getMessage(), e);
		}
	}

	/** @return what could not be read back by {@link #loadJobs} and was left out (a secret sealed with a lost key) */
	public List<String> loadWarnings() {
		return List.copyOf(loadWarnings);
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

	/**
	 * Runs a unit of work in one transaction, durable when this returns; nested calls join the outer one. Whatever
	 * fails, the work or the commit, the transaction is rolled back and the connection left as it was found, so the
	 * next transaction starts clean.
	 */
	public void transaction(Runnable work) {
		if (depth > 0) {
			work.run();
			return;
		}
		depth = 1;
		boolean committed = false;
		try {
			connection.setAutoCommit(false);
			work.run();
			connection.commit();
			committed = true;
		} catch (SQLException e) {
			throw new StoreException("store transaction failed in " + directory + ": " + e.getMessage(), e);
		} finally {
			depth = 0;
			end(committed);
		}
		if (!syncLater) {
			sync();
		}
	}

	private void end(boolean committed) {
		try {
			if (!committed && !connection.getAutoCommit()) {
				connection.rollback();
			}
		} catch (SQLException e) {
			// the connection is closing or broken; setting autocommit below ends what is left of the transaction
		}
		try {
			connection.setAutoCommit(true);
		} catch (SQLException e) {
			throw new StoreException("store " + directory + " cannot end a failed transaction: " + e.getMessage(), e);
		}
	}

	public void insertJob(JobRow job) {
		transaction(() -> {
			update("INSERT INTO job (id, owner, type, created_ms, " + JOB_COLUMNS.replace("=?", "") + ") VALUES (?,?,?,?,"
					+ "?,".repeat(JOB_COLUMN_COUNT - 1) + "?)", s -> {
						s.setString(1, job.id.toString());
						s.setString(2, job.owner);
						s.setString(3, job.type.name());
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
						+ " validation, validator, temporary_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)", s -> {
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
		update("UPDATE file SET bytes_total=?, bytes_transferred=?, completed=?, validation=?, validator=?, temporary_key=?"
				+ " WHERE job=? AND idx=?", s -> {
			int i = bindFile(s, 1, f);
			s.setString(i++, job.id.toString());
			s.setInt(i, f.index);
		});
	}

	/** Records a notification in the outbox; call it inside the transaction of the change that causes it. */
	public Notice insertNotice(UUID job, Notice.Kind kind, int file) {
		update("INSERT INTO outbox (job, kind, file, created_ms) VALUES (?,?,?,?)", s -> {
			s.setString(1, job.toString());
			s.setString(2, kind.name());
			s.setInt(3, file);
			s.setLong(4, System.currentTimeMillis());
		});
		try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT last_insert_rowid()")) {
			return new Notice(r.getLong(1), job, kind, file);
		} catch (SQLException e) {
			throw new StoreException("cannot read the outbox id: " + e.getMessage(), e);
		}
	}

	/**
	 * Records an event in the journal, whatever the job's notification flags; call it inside the transaction of the
	 * change. The journal outlives the job (a stream client may ask after the job was completed) until pruned.
	 */
	public JournalEntry insertJournal(JobRow job, Notice.Kind kind, int file) {
		Instant now = Instant.now();
		update("INSERT INTO journal (job, owner, kind, file, created_ms) VALUES (?,?,?,?,?)", s -> {
			s.setString(1, job.id.toString());
			s.setString(2, job.owner);
			s.setString(3, kind.name());
			s.setInt(4, file);
			s.setLong(5, now.toEpochMilli());
		});
		try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT last_insert_rowid()")) {
			return new JournalEntry(r.getLong(1), job.id, job.owner, kind, file, now);
		} catch (SQLException e) {
			throw new StoreException("cannot read the journal id: " + e.getMessage(), e);
		}
	}

	/**
	 * @param owner only this owner's events, or {@code null} for every owner's
	 * @param job only this job's events, or {@code null} for every job's
	 * @return at most {@code limit} events after {@code afterId}, oldest first
	 */
	public List<JournalEntry> journal(long afterId, String owner, UUID job, int limit) {
		String sql = "SELECT * FROM journal WHERE id > ?" + (owner == null ? "" : " AND owner = ?") + (job == null ? "" : " AND job = ?")
				+ " ORDER BY id LIMIT ?";
		List<JournalEntry> result = new ArrayList<>();
		try (PreparedStatement s = connection.prepareStatement(sql)) {
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
		} catch (SQLException e) {
			throw new StoreException("cannot read the journal in " + directory + ": " + e.getMessage(), e);
		}
		return result;
	}

	/** @return the id of the latest journal entry, 0 when there is none */
	public long lastJournalId() {
		try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM journal")) {
			return r.getLong(1);
		} catch (SQLException e) {
			throw new StoreException("cannot read the journal in " + directory + ": " + e.getMessage(), e);
		}
	}

	/** Forgets the journal entries recorded before {@code before}. */
	public void pruneJournal(Instant before) {
		update("DELETE FROM journal WHERE created_ms < ?", s -> s.setLong(1, before.toEpochMilli()));
	}

	public void deleteNotice(long id) {
		update("DELETE FROM outbox WHERE id=?", s -> s.setLong(1, id));
	}

	/**
	 * @return every job, oldest first, with its files, credentials and pending notifications
	 * @throws StoreException naming the store and what cannot be read (an unknown stored value, a damaged file)
	 */
	public List<JobRow> loadJobs() {
		Map<String, JobRow> jobs = new LinkedHashMap<>();
		loadWarnings.clear();
		try (Statement s = connection.createStatement()) {
			try (ResultSet r = s.executeQuery("SELECT * FROM job ORDER BY created_ms, rowid")) {
				while (r.next()) {
					JobRow job = readJob(r);
					jobs.put(r.getString("id"), job);
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM file ORDER BY job, idx")) {
				while (r.next()) {
					JobRow job = row(jobs, r.getString("job"), "file");
					FileRow f = new FileRow(r.getInt("idx"), URI.create(r.getString("remote")), Path.of(r.getString("local")),
							Path.of(r.getString("temporary")));
					f.bytesTotal = r.getLong("bytes_total");
					f.bytesTransferred = r.getLong("bytes_transferred");
					f.completed = r.getInt("completed") != 0;
					f.validation = name(ValidationState.class, r.getString("validation"), "validation of file " + f.index + " of job " + job.id);
					f.validator = r.getString("validator");
					f.temporaryKey = r.getString("temporary_key");
					job.files.add(f);
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM outbox ORDER BY id")) {
				while (r.next()) {
					JobRow job = row(jobs, r.getString("job"), "notification");
					job.notices.add(new Notice(r.getLong("id"), job.id, name(Notice.Kind.class, r.getString("kind"), "kind of notification " + r.getLong("id")),
							r.getInt("file")));
				}
			}
			try (ResultSet r = s.executeQuery("SELECT * FROM credential")) {
				while (r.next()) {
					JobRow job = row(jobs, r.getString("job"), "credential");
					AuthTarget target = name(AuthTarget.class, r.getString("target"), "credential target of job " + job.id);
					String password;
					try {
						password = secrets.open(r.getString("password"), credentialPlace(job.id.toString(), target));
					} catch (StoreException e) {
						loadWarnings.add("job " + job.id + ": its " + target + " credentials are dropped: " + e.getMessage());
						continue;
					}
					Credentials c = new Credentials(target, name(AuthScheme.class, r.getString("scheme"), "credential scheme of job " + job.id),
							r.getString("user_name"), password);
					job.credentials.put(c.target(), c);
				}
			}
		} catch (SQLException e) {
			throw new StoreException("cannot read the store in " + directory + ": " + e.getMessage(), e);
		} catch (StoreException e) {
			throw new StoreException("cannot read the store in " + directory + ": " + e.getMessage(), e);
		}
		return new ArrayList<>(jobs.values());
	}

	private static JobRow row(Map<String, JobRow> jobs, String id, String what) {
		JobRow job = jobs.get(id);
		if (job == null) {
			throw new StoreException("a " + what + " names job " + id + ", which the store does not have");
		}
		return job;
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
	private static <E extends Enum<E>> E name(Class<E> type, String stored, String what) {
		try {
			return Enum.valueOf(type, stored);
		} catch (IllegalArgumentException | NullPointerException e) {
			throw new StoreException(what + " has the stored value " + stored + ", which is no " + type.getSimpleName()
					+ " this engine knows (a store of a newer engine, or a damaged one)");
		}
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
				s.setString(2, c.target().name());
				s.setString(3, c.scheme().name());
				s.setString(4, c.userName());
				s.setString(5, secrets.seal(c.password(), credentialPlace(job.id.toString(), c.target())));
			});
		}
	}

	/** Binds the 27 mutable job columns from position i; returns the next position. */
	private int bindJob(PreparedStatement s, int i, JobRow j) throws SQLException {
		s.setString(i++, j.state.name());
		s.setString(i++, j.displayName);
		s.setString(i++, j.description);
		s.setString(i++, j.priority.name());
		s.setLong(i++, j.minimumRetryDelay.toMillis());
		s.setLong(i++, j.noProgressTimeout.toMillis());
		s.setLong(i++, j.minimumNotificationInterval.toMillis());
		StringBuilder headers = new StringBuilder();
		j.customHeaders.forEach((k, v) -> headers.append(k).append(": ").append(v).append('\n'));
		s.setString(i++, secrets.seal(headers.toString(), headersPlace(j.id.toString())));
		s.setString(i++, j.proxySettings.usage().name());
		s.setString(i++, String.join("\n", j.proxySettings.proxies()));
		s.setString(i++, String.join("\n", j.proxySettings.bypass()));
		s.setLong(i++, j.maxDownloadSize);
		s.setString(i++, j.redirectPolicy.name());
		s.setString(i++, String.join(",", j.notifyFlags.stream().map(Enum::name).toList()));
		s.setString(i++, j.handlerId);
		i = bindError(s, i, j.error);
		i = bindError(s, i, j.notificationError);
		s.setLong(i++, j.modified.toEpochMilli());
		setInstant(s, i++, j.transferred);
		s.setLong(i++, j.lastProgress.toEpochMilli());
		setInstant(s, i++, j.retryAt);
		s.setInt(i++, j.plainHttpAuthentication ? 1 : 0);
		return i;
	}

	private static int bindError(PreparedStatement s, int i, JobError e) throws SQLException {
		if (e == null) {
			for (int k = 0; k < 4; k++) {
				s.setNull(i++, Types.INTEGER);
			}
			return i;
		}
		s.setString(i++, e.context().name());
		s.setInt(i++, e.code());
		s.setString(i++, e.description());
		s.setInt(i++, e.file());
		return i;
	}

	private static int bindFile(PreparedStatement s, int i, FileRow f) throws SQLException {
		s.setLong(i++, f.bytesTotal);
		s.setLong(i++, f.bytesTransferred);
		s.setInt(i++, f.completed ? 1 : 0);
		s.setString(i++, f.validation.name());
		s.setString(i++, f.validator);
		s.setString(i++, f.temporaryKey);
		return i;
	}

	private static void setInstant(PreparedStatement s, int i, Instant t) throws SQLException {
		if (t == null) {
			s.setNull(i, Types.INTEGER);
		} else {
			s.setLong(i, t.toEpochMilli());
		}
	}

	private JobRow readJob(ResultSet r) throws SQLException {
		String id = r.getString("id");
		JobRow j = new JobRow(UUID.fromString(id), r.getString("owner"), name(JobType.class, r.getString("type"), "type of job " + id),
				r.getString("display_name"), Instant.ofEpochMilli(r.getLong("created_ms")));
		j.state = name(JobState.class, r.getString("state"), "state of job " + id);
		j.description = r.getString("description");
		j.priority = name(JobPriority.class, r.getString("priority"), "priority of job " + id);
		j.minimumRetryDelay = Duration.ofMillis(r.getLong("retry_delay_ms"));
		j.noProgressTimeout = Duration.ofMillis(r.getLong("no_progress_timeout_ms"));
		j.minimumNotificationInterval = Duration.ofMillis(r.getLong("notify_interval_ms"));
		String headers;
		try {
			headers = secrets.open(r.getString("custom_headers"), headersPlace(id));
		} catch (StoreException e) {
			loadWarnings.add("job " + id + ": its custom headers are dropped: " + e.getMessage());
			headers = "";
		}
		for (String line : headers.split("\n")) {
			int colon = line.indexOf(": ");
			if (colon > 0) {
				j.customHeaders.put(line.substring(0, colon), line.substring(colon + 2));
			}
		}
		j.proxySettings = new ProxySettings(name(ProxyUsage.class, r.getString("proxy_usage"), "proxy usage of job " + id), lines(r.getString("proxy_list")),
				lines(r.getString("proxy_bypass")));
		j.maxDownloadSize = r.getLong("max_download_size");
		j.redirectPolicy = name(RedirectPolicy.class, r.getString("redirect_policy"), "redirect policy of job " + id);
		j.notifyFlags = flags(r.getString("notify_flags"), "notify flags of job " + id);
		j.handlerId = r.getString("handler_id");
		j.error = readError(r, "error_", id);
		j.notificationError = readError(r, "notify_error_", id);
		j.modified = Instant.ofEpochMilli(r.getLong("modified_ms"));
		j.transferred = instant(r, "transferred_ms");
		j.lastProgress = Instant.ofEpochMilli(r.getLong("last_progress_ms"));
		j.retryAt = instant(r, "retry_at_ms");
		j.plainHttpAuthentication = r.getInt("plain_http_auth") != 0;
		return j;
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
