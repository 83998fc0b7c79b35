package bits.engine.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.postgresql.ds.PGSimpleDataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The store's PostgreSQL adapter, chosen by {@code store.url}: the same tables as SQLite's, through a pool of
 * connections (HikariCP). A commit is durable when it returns (PostgreSQL's WAL, {@code synchronous_commit}), so
 * {@link #sync} has nothing left to do. One engine per database for now: a session-level advisory lock, held while the
 * store is open, refuses a second engine until engines share the queue by claims.
 */
public final class PostgresJobStore extends JdbcJobStore {
	/** The advisory lock key of the bits store ("bits" in ASCII). */
	static final long LOCK_KEY = 0x62697473L;

	private final HikariDataSource pool;
	/** The session that holds the advisory lock; closing it releases the lock, also when this process dies. */
	private final Connection holder;

	private PostgresJobStore(String where, Secrets secrets, HikariDataSource pool, Connection holder) {
		super(where, secrets);
		this.pool = pool;
		this.holder = holder;
	}

	/**
	 * Opens the store in a PostgreSQL database, creating or migrating its tables.
	 *
	 * @param url a {@code jdbc:postgresql:} URL
	 * @throws StoreException "store URL is in use by another engine (PostgreSQL backend N)" if one has it open; a
	 *         message naming the store and the problem if it cannot be reached or read
	 */
	public static PostgresJobStore open(String url, String user, String password, Secrets secrets) {
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
		config.setMaximumPoolSize(4); // the table's writes, acknowledgements, journal reads, the lock's session
		config.setPoolName("bits-store");
		config.setInitializationFailTimeout(1); // one attempt at once: a database that cannot be reached fails the start
		HikariDataSource pool;
		try {
			pool = new HikariDataSource(config);
		} catch (RuntimeException e) {
			throw new StoreException("cannot open the store in " + where + ": " + e.getMessage(), e);
		}
		Connection holder = null;
		try {
			holder = pool.getConnection();
			try (Statement s = holder.createStatement(); ResultSet r = s.executeQuery("SELECT pg_try_advisory_lock(" + LOCK_KEY + ")")) {
				r.next();
				if (!r.getBoolean(1)) {
					throw new StoreException("store " + where + " is in use by another engine (PostgreSQL backend " + lockHolder(holder) + ")");
				}
			}
			PostgresSchema.migrate(holder);
			return new PostgresJobStore(where, secrets, pool, holder);
		} catch (SQLException | RuntimeException e) {
			closeQuietly(holder);
			pool.close();
			if (e instanceof StoreException s) {
				throw s;
			}
			throw new StoreException("cannot open the store in " + where + ": " + e.getMessage(), e);
		}
	}

	/** @return the backend process holding the store's lock, as pg_locks tells */
	private static String lockHolder(Connection c) throws SQLException {
		try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT pid FROM pg_locks WHERE locktype = 'advisory'"
				+ " AND granted AND ((classid::bigint << 32) | objid::bigint) = " + LOCK_KEY)) {
			return r.next() ? Integer.toString(r.getInt(1)) : "unknown";
		}
	}

	private static void closeQuietly(Connection c) {
		if (c != null) {
			try {
				c.close();
			} catch (SQLException e) {
				// already failing: the first error is the one reported
			}
		}
	}

	@Override
	Connection borrow() throws SQLException {
		return pool.getConnection();
	}

	@Override
	void giveBack(Connection c) {
		closeQuietly(c); // back to the pool
	}

	@Override
	String insertionOrder() {
		return "seq";
	}

	/** A commit is durable when it returns. */
	@Override
	public void sync() {
	}

	@Override
	public void close() {
		closeQuietly(holder); // the lock goes with its session
		pool.close();
	}
}
