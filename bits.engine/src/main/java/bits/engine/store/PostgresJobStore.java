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
 * job's row are conditional on its version, and every commit announces the jobs it changed.
 */
public final class PostgresJobStore extends JdbcJobStore {
	/** The advisory lock key of the bits store ("bits" in ASCII): engines that start together migrate one at a time. */
	static final long LOCK_KEY = 0x62697473L;
	/** The channel of the announcements of changed jobs. */
	static final String CHANNEL = "bits_jobs";

	private final HikariDataSource pool;
	private final PostgresQueue queue;

	private PostgresJobStore(String where, Secrets secrets, HikariDataSource pool, PGSimpleDataSource source, Duration lease) {
		super(where, secrets);
		this.pool = pool;
		this.queue = new PostgresQueue(this, source, lease);
	}

	/**
	 * Opens the store in a PostgreSQL database, creating or migrating its tables, and joins its queue as a new member.
	 *
	 * @param url a {@code jdbc:postgresql:} URL
	 * @param lease how long this engine stays a member without a heartbeat (SPEC C2)
	 * @throws StoreException naming the store and the problem if it cannot be reached or read
	 */
	public static PostgresJobStore open(String url, String user, String password, Secrets secrets, Duration lease) {
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
		if (!password.isEmpty()) {
			source.setPassword(password);
		}
		HikariConfig config = new HikariConfig();
		config.setDataSource(source);
		config.setMaximumPoolSize(8); // the table's writes, claims, acknowledgements, journal reads, heartbeats, takeovers
		config.setPoolName("bits-store");
		config.setInitializationFailTimeout(1); // one attempt at once: a database that cannot be reached fails the start
		HikariDataSource pool;
		try {
			pool = new HikariDataSource(config);
		} catch (RuntimeException e) {
			throw new StoreException("cannot open the store in " + where + ": " + e.getMessage(), e);
		}
		try (Connection c = pool.getConnection()) {
			PostgresSchema.migrate(c);
			PostgresJobStore store = new PostgresJobStore(where, secrets, pool, source, lease);
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
		}
	}

	@Override
	void requeue(JdbcWrites w, UUID job) {
		w.update("UPDATE job SET turn = nextval('job_turn_seq') WHERE id=?", s -> s.setString(1, job.toString()));
	}

	@Override
	void announce(JdbcWrites w, Map<UUID, Long> jobs) throws SQLException {
		PreparedStatement s = w.prepared("SELECT pg_notify('" + CHANNEL + "', ?)");
		for (Map.Entry<UUID, Long> e : jobs.entrySet()) {
			s.setString(1, e.getKey() + ":" + e.getValue());
			s.executeQuery().close();
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
