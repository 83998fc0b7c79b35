package bits.engine.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The store's PostgreSQL adapter, chosen by {@code store.url}: the same tables as SQLite's, through a pool of
 * connections (HikariCP). A commit is durable when it returns (PostgreSQL's WAL, {@code synchronous_commit}), so
 * {@link #sync} has nothing left to do. Engines share it: each is a member of its {@link SharedQueue}, writes of a
 * job's row are conditional on its version, and every commit announces the jobs it changed (a trigger announces each
 * changed row).
 */
public final class PostgresJobStore extends JdbcJobStore {
	/** The advisory lock key of the bits store ("bits" in ASCII): engines that start together migrate one at a time. */
	static final long LOCK_KEY = 0x62697473L;
	/** What {@code bits_key} holds sealed, and where: the check that engines share one secrets key. */
	private static final String KEY_CHECK = "bits_key";
	/** The channel of the announcements of changed jobs. */
	static final String CHANNEL = "bits_jobs";

	private final HikariDataSource pool;
	private final PostgresQueue queue;

	private PostgresJobStore(String where, Secrets secrets, HikariDataSource pool, PGSimpleDataSource source, Duration lease, String name) {
		super(where, secrets);
		this.pool = pool;
		this.queue = new PostgresQueue(this, source, lease, name);
	}

	/** As {@link #open(String, String, String, Secrets, Duration, String)}, the engine named after its host. */
	public static PostgresJobStore open(String url, String user, String password, Secrets secrets, Duration lease) {
		return open(url, user, password, secrets, lease, "");
	}

	/**
	 * Opens the store in a PostgreSQL database, creating or migrating its tables, and joins its queue as a new member.
	 *
	 * @param url a {@code jdbc:postgresql:} URL
	 * @param lease how long this engine stays a member without a heartbeat (SPEC C2)
	 * @param name the name of this engine's machine (a job pinned to it waits for an engine of that name); empty: the host name
	 * @throws StoreException naming the store and the problem if it cannot be reached or read
	 */
	public static PostgresJobStore open(String url, String user, String password, Secrets secrets, Duration lease, String name) {
		String where = JobStores.withoutSecrets(url);
		// the driver's own DataSource, not a driver class name: no class lookup by name across bundles
		PGSimpleDataSource source = new PGSimpleDataSource();
		try {
			source.setURL(url);
		} catch (IllegalArgumentException e) {
			throw new StoreException("store.url " + where + " is not a PostgreSQL URL the driver accepts: " + e.getMessage(), e);
		}
		if (!user.isEmpty()) {
			source.setUser(user);
		}
		// a database that stops answering (a half-open connection) fails a statement instead of hanging it forever
		source.setSocketTimeout(60);
		source.setTcpKeepAlive(true);
		if (!password.isEmpty()) {
			source.setPassword(password);
		}
		HikariConfig config = new HikariConfig();
		config.setDataSource(source);
		config.setMaximumPoolSize(8); // the table's writes, claims, acknowledgements, journal reads, heartbeats, takeovers
		config.setPoolName("bits-store");
		// an engine's transaction is never idle but when its engine is (paused, frozen): the server then ends it once the
		// lease is over, and the rows it locked are free for the takeover, which would otherwise wait as long as it sleeps
		config.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + idleLimit(lease));
		config.setInitializationFailTimeout(1); // one attempt at once: a database that cannot be reached fails the start
		HikariDataSource pool;
		try {
			pool = new HikariDataSource(config);
		} catch (RuntimeException e) {
			throw new StoreException("cannot open the store in " + where + ": " + e.getMessage(), e);
		}
		try (Connection c = pool.getConnection()) {
			PostgresSchema.migrate(c);
			sameKey(c, secrets, where);
			PostgresJobStore store = new PostgresJobStore(where, secrets, pool, source, lease, name);
			store.queue.join();
			return store;
		} catch (SQLException | RuntimeException e) {
			pool.close();
			if (e instanceof StoreException s) {
				throw s;
			}
			throw new StoreException("cannot open the store in " + where + ": " + e.getMessage(), e);
		}
	}

	/**
	 * Engines sharing the store seal secrets with one key: the first engine stores a value sealed with its key, and an
	 * engine whose key cannot open it is refused, before it writes anything a job's owner could not read back.
	 */
	private static void sameKey(Connection c, Secrets secrets, String where) throws SQLException {
		try (PreparedStatement insert = c.prepareStatement("INSERT INTO bits_key (id, sealed) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")) {
			insert.setString(1, secrets.seal(KEY_CHECK, KEY_CHECK));
			insert.executeUpdate();
		}
		String sealed;
		try (var s = c.createStatement(); var r = s.executeQuery("SELECT sealed FROM bits_key WHERE id = 1")) {
			r.next();
			sealed = r.getString(1);
		}
		try {
			if (KEY_CHECK.equals(secrets.open(sealed, KEY_CHECK))) {
				return;
			}
		} catch (StoreException e) {
			// another key: said below
		}
		throw new StoreException("store " + where + " is shared by engines with another secrets key than " + secrets.file()
				+ ": give every engine the same secrets.key.file");
	}

	@Override
	Connection borrow() throws SQLException {
		return pool.getConnection();
	}

	@Override
	void giveBack(Connection c) {
		if (c != null) {
			try {
				c.close(); // back to the pool
			} catch (SQLException e) {
				// a broken connection: the pool replaces it
			}
		}
	}

	@Override
	String insertionOrder() {
		return "seq";
	}

	@Override
	String lockRows() {
		return " FOR UPDATE";
	}

	@Override
	void beginRead(Connection c) throws SQLException {
		try (var s = c.createStatement()) {
			s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
			// a read locks no row, and the engine decodes a large one (every job, at the start) between its statements
			s.execute("SET LOCAL idle_in_transaction_session_timeout = 0");
		}
	}

	/** @return how long, in ms, a transaction of this engine may be idle: its lease, at least 1 s (SPEC C4) */
	static long idleLimit(Duration lease) {
		return Math.max(1_000, lease.toMillis());
	}

	@Override
	void requeue(JdbcWrites w, UUID job) {
		w.update("UPDATE job SET turn = nextval('job_turn_seq') WHERE id=?", s -> s.setString(1, job.toString()));
	}

	/**
	 * A changed or new row is announced by the database's trigger (schema 7); a deleted one by this, with the final state
	 * its row no longer holds.
	 */
	@Override
	void announce(JdbcWrites w, Map<UUID, Long> jobs) throws SQLException {
		PreparedStatement s = null;
		for (Map.Entry<UUID, Long> e : jobs.entrySet()) {
			if (e.getValue() < 0) {
				if (s == null) {
					s = w.prepared("SELECT pg_notify('" + CHANNEL + "', ?)");
				}
				s.setString(1, e.getKey() + ":" + e.getValue());
				s.executeQuery().close();
			}
		}
	}

	@Override
	public Optional<SharedQueue> shared() {
		return Optional.of(queue);
	}

	/** A commit is durable when it returns. */
	@Override
	public void sync() {
	}

	@Override
	public void close() {
		try {
			queue.leave();
		} finally {
			pool.close();
		}
	}
}
