package bits.engine.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import bits.api.AuthTarget;

/**
 * The store's SQLite adapter, embedded, the default: one database file through JDBC, in WAL mode; a commit made durable
 * by {@link #sync} survives a {@code kill -9} and a power loss (SPEC J7). One connection, used by one thread at a time;
 * one engine per store (a lock file).
 */
public final class SqliteJobStore extends JdbcJobStore {
	private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private final Path directory;
	private final StoreLock lock;
	private final Connection connection;
	private final ReentrantLock user = new ReentrantLock();
	private volatile FileChannel wal;
	/** Set by {@link #close}: a later sync fails instead of opening the WAL again. */
	private boolean closed; // guarded by this

	private SqliteJobStore(Path directory, StoreLock lock, Connection connection, Secrets secrets) {
		super(directory.toString(), secrets);
		this.directory = directory;
		this.lock = lock;
		this.connection = connection;
	}

	/**
	 * Opens (creating if needed) the store in a directory, migrating its schema. The directory is made readable by
	 * the engine's user only (0700), and so are its files (0600); passwords and custom header values are sealed with
	 * {@code secrets} (see {@link Secrets}), those of an older store when it is opened.
	 *
	 * @throws StoreException "store DIR is in use by process N" if another engine has it open; a message naming the
	 *         store and the problem if it cannot be read
	 */
	public static SqliteJobStore open(Path directory, Secrets secrets) {
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
					SqliteJobStore store = new SqliteJobStore(directory, lock, c, secrets);
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
		connection.setAutoCommit(false);
		try (PreparedStatement p = connection.prepareStatement("UPDATE credential SET password=? WHERE job=? AND target=?");
				PreparedStatement h = connection.prepareStatement("UPDATE job SET custom_headers=? WHERE id=?")) {
			for (Map.Entry<String[], String> e : passwords.entrySet()) {
				String[] k = e.getKey();
				p.setString(1, secrets.seal(e.getValue(), credentialPlace(k[0], name(AuthTarget.class, k[1], "credential target of job " + k[0]))));
				p.setString(2, k[0]);
				p.setString(3, k[1]);
				p.executeUpdate();
			}
			for (Map.Entry<String, String> e : headers.entrySet()) {
				h.setString(1, secrets.seal(e.getValue(), headersPlace(e.getKey())));
				h.setString(2, e.getKey());
				h.executeUpdate();
			}
			connection.commit();
		} finally {
			if (!connection.getAutoCommit()) {
				connection.rollback();
				connection.setAutoCommit(true);
			}
		}
		try (Statement s = connection.createStatement()) {
			s.execute("VACUUM");
			s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
		}
	}

	@Override
	Connection borrow() {
		user.lock();
		return connection;
	}

	@Override
	void giveBack(Connection c) {
		if (c != null) {
			user.unlock();
		}
	}

	@Override
	String insertionOrder() {
		return "rowid";
	}

	/**
	 * Makes every commit so far durable (the WAL's fsync: what synchronous=FULL does at each commit). The caller's
	 * interrupt waits until after it: an interrupt during {@code force} would close the channel every caller shares.
	 */
	@Override
	public void sync() {
		boolean interrupted = Thread.interrupted();
		try {
			FileChannel w = wal();
			try {
				w.force(false);
			} catch (ClosedChannelException e) { // closed under another thread, which an interrupt hit: open it again
				interrupted |= Thread.interrupted(); // this thread's own interrupt, come meanwhile: the retry must not see it
				synchronized (this) {
					if (wal == w) {
						wal = null;
					}
				}
				wal().force(false);
			}
		} catch (IOException e) {
			throw new StoreException("cannot sync the store " + directory + ": " + e.getMessage(), e);
		} finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private synchronized FileChannel wal() throws IOException {
		if (closed) {
			throw new ClosedChannelException(); // the store is closed: nothing is opened again
		}
		if (wal == null) {
			wal = FileChannel.open(directory.resolve("bits.db-wal"), StandardOpenOption.READ);
		}
		return wal;
	}

	@Override
	public void close() {
		Connection c = borrow();
		try {
			c.close();
			FileChannel w;
			synchronized (this) {
				closed = true;
				w = wal;
				wal = null;
			}
			if (w != null) {
				w.close();
			}
			lock.close();
		} catch (SQLException | IOException e) {
			throw new StoreException("cannot close the store: " + e.getMessage(), e);
		} finally {
			giveBack(c);
		}
	}
}
