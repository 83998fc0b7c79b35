package bits.engine.store;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.ds.PGSimpleDataSource;

import bits.api.JobPriority;
import bits.engine.model.JobRecord;

/**
 * The shared queue of engines on one PostgreSQL store: members in table {@code bits_engine}, heartbeats and leases by
 * the database's clock ({@code now()}), claims by one {@code UPDATE ... FOR UPDATE SKIP LOCKED}, takeovers in one
 * statement, and announcements by {@code LISTEN/NOTIFY} (triggers announce each changed row of table {@code job} and
 * each deleted notification).
 */
final class PostgresQueue implements SharedQueue {
	/** Back to the queue, unclaimed, in a new epoch: the jobs of a member that left or lost its lease. */
	private static final String RELEASE = "SET claimed_by = NULL, epoch = epoch + 1, version = version + 1,"
			+ " state = CASE WHEN state IN ('CONNECTING', 'TRANSFERRING') THEN 'QUEUED' ELSE state END";

	/**
	 * Claims up to a number of queued jobs in one statement (parameters: the priorities, the jobs excluded, this engine's
	 * name, the number, this engine's id). The order is index job_claim_order's: the first rows of the index, not a sort
	 * of the whole queue; the picked rows are materialized, so that the LIMIT holds, and found again by their keys, so
	 * that no plan (a join, whose rows the planner cannot foresee for a LIMIT given later) reads the whole table at every
	 * claim.
	 */
	static final String CLAIM = "WITH picked AS MATERIALIZED (SELECT id FROM job WHERE state = 'QUEUED' AND claimed_by IS NULL"
			+ " AND priority = ANY (?) AND NOT (id = ANY (?)) AND (pinned_to IS NULL OR pinned_to = ?) ORDER BY " + PostgresSchema.PRIORITY_ORDER
			+ ", turn LIMIT ? FOR UPDATE SKIP LOCKED) UPDATE job SET state = 'CONNECTING', claimed_by = ?, epoch = epoch + 1,"
			+ " version = version + 1 WHERE id = ANY (ARRAY(SELECT id FROM picked)) RETURNING id";

	private final PostgresJobStore store;
	private final PGSimpleDataSource source;
	private final Duration lease;
	private final String engine = UUID.randomUUID().toString();
	private final String name;
	private volatile boolean member;
	private volatile Thread listener;
	/**
	 * The heartbeats' own connection, not the pool's: a pool whose connections all wait (a slow disk, a busy database)
	 * must not keep a live engine from renewing its lease. Opened at the first heartbeat, again after a failure.
	 */
	private volatile Connection beating;

	PostgresQueue(PostgresJobStore store, PGSimpleDataSource source, Duration lease, String name) {
		this.store = store;
		this.source = source;
		this.lease = lease;
		this.name = name.isBlank() ? host() : name;
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public boolean memberNamed(String name) {
		return transaction(c -> {
			try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM bits_engine WHERE name = ? AND heartbeat > now() - lease_ms * interval '1 millisecond'")) {
				s.setString(1, name);
				try (ResultSet r = s.executeQuery()) {
					r.next();
					return r.getLong(1) > 0;
				}
			}
		});
	}

	@Override
	public String engine() {
		return engine;
	}

	@Override
	public Duration lease() {
		return lease;
	}

	/** Becomes a member. */
	void join() {
		transaction(c -> {
			register(c);
			return null;
		});
		member = true;
	}

	private void register(Connection c) throws SQLException {
		try (PreparedStatement s = c.prepareStatement("INSERT INTO bits_engine (id, heartbeat, started, host, pid, lease_ms, name)"
				+ " VALUES (?, now(), now(), ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat = now()")) {
			s.setString(1, engine);
			s.setString(2, host());
			s.setLong(3, ProcessHandle.current().pid());
			s.setLong(4, lease.toMillis());
			s.setString(5, name);
			s.executeUpdate();
		}
	}

	@Override
	public synchronized boolean heartbeat() {
		if (!member) {
			throw new StoreException("engine " + engine + " left the queue of " + store + ": no heartbeat");
		}
		Connection c = beating;
		try {
			if (c == null || c.isClosed()) {
				c = source.getConnection();
				beating = c;
				if (!member) { // left meanwhile: this connection would never be closed
					closeBeating();
					throw new StoreException("engine " + engine + " left the queue of " + store + ": no heartbeat");
				}
				try (Statement s = c.createStatement()) {
					// a heartbeat need not be durable: a database crash loses at most the last few, which the next one
					// renews. Waiting for the disk (or a synchronous standby) at each commit would let a slow fsync end
					// the lease of a live engine. Its transaction, like the pool's, ends if it sleeps past the lease
					s.execute("SET synchronous_commit = off");
					s.execute("SET idle_in_transaction_session_timeout = " + PostgresJobStore.idleLimit(lease));
				}
				c.setAutoCommit(false);
			}
			try {
				boolean renewed;
				try (PreparedStatement s = c.prepareStatement("UPDATE bits_engine SET heartbeat = now() WHERE id = ?"
						+ " AND heartbeat > now() - lease_ms * interval '1 millisecond'")) {
					s.setString(1, engine);
					renewed = s.executeUpdate() == 1;
				}
				if (!renewed) {
					// past the lease (paused, cut off): whatever was not taken over yet goes back to the queue now
					release(c, engine);
					register(c);
				}
				c.commit();
				return renewed;
			} catch (SQLException | RuntimeException e) {
				try {
					c.rollback();
				} catch (SQLException r) {
					e.addSuppressed(r);
				}
				throw e;
			}
		} catch (SQLException e) {
			closeBeating(); // a new connection at the next heartbeat
			throw new StoreException("the heartbeat of engine " + engine + " in " + store + " failed: " + e.getMessage(), e);
		}
	}

	/** Closes the heartbeats' connection: a new one at the next heartbeat. */
	private void closeBeating() {
		Connection c = beating;
		beating = null;
		if (c != null) {
			try {
				c.close();
			} catch (SQLException e) {
				// broken already: nothing to give back
			}
		}
	}

	@Override
	public List<UUID> takeOver() {
		return transaction(c -> {
			List<UUID> taken = new ArrayList<>();
			try (PreparedStatement s = c.prepareStatement("WITH dead AS (DELETE FROM bits_engine WHERE heartbeat < now() - lease_ms * interval '1 millisecond'"
					// only claimed jobs, through index job_claimed: every engine runs this every second, whatever the table holds
					+ " RETURNING id) UPDATE job " + RELEASE + " WHERE claimed_by IS NOT NULL AND (claimed_by IN (SELECT id FROM dead)"
					// claims of members that are gone altogether (removed by hand, or by an older engine's takeover)
					+ " OR NOT EXISTS (SELECT 1 FROM bits_engine e WHERE e.id = job.claimed_by))"
					+ " RETURNING id")) {
				try (ResultSet r = s.executeQuery()) {
					while (r.next()) {
						taken.add(UUID.fromString(r.getString(1)));
					}
				}
			}
			forgetCallbacksOfGoneMembers(c);
			return taken;
		});
	}

	@Override
	public List<JobRecord> claim(Set<JobPriority> priorities, Set<UUID> excluded, int max) {
		if (priorities.isEmpty() || max <= 0) {
			return List.of();
		}
		List<UUID> claimed = transaction(c -> {
			Array wanted = c.createArrayOf("text", priorities.stream().map(Enum::name).toArray());
			Array skipped = c.createArrayOf("text", excluded.stream().map(UUID::toString).toArray());
			try (PreparedStatement s = c.prepareStatement(CLAIM)) {
				s.setArray(1, wanted);
				s.setArray(2, skipped);
				s.setString(3, name);
				s.setInt(4, max);
				s.setString(5, engine);
				List<UUID> ids = new ArrayList<>();
				try (ResultSet r = s.executeQuery()) {
					while (r.next()) {
						ids.add(UUID.fromString(r.getString(1)));
					}
				}
				return ids;
			}
		});
		// claimed by this engine: only a takeover (after this engine's lease) or its owner changes them before this read
		return store.load(claimed);
	}

	@Override
	public boolean claimNotice(long notice, Duration hold) {
		return transaction(c -> {
			try (PreparedStatement s = c.prepareStatement("UPDATE outbox SET claimed_by = ?, claimed_until = now() + make_interval(secs => ?)"
					+ " WHERE id = ? AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < now())")) {
				s.setString(1, engine);
				s.setDouble(2, seconds(hold));
				s.setLong(3, notice);
				s.setString(4, engine);
				return s.executeUpdate() == 1;
			}
		});
	}

	@Override
	public void releaseNotice(long notice) {
		transaction(c -> {
			try (PreparedStatement s = c.prepareStatement("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ?")) {
				s.setLong(1, notice);
				s.setString(2, engine);
				return s.executeUpdate();
			}
		});
	}

	@Override
	public void listen(Consumer<Announcement> changed) {
		Thread t = new Thread(() -> {
			boolean first = true;
			while (member) {
				try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
					s.execute("LISTEN " + PostgresJobStore.CHANNEL);
					if (!first) {
						changed.accept(null); // announcements may have been missed while the connection was down
					}
					first = false;
					PGConnection pg = c.unwrap(PGConnection.class);
					while (member) {
						PGNotification[] received = pg.getNotifications(500);
						if (received == null) {
							continue;
						}
						for (PGNotification n : received) {
							String[] p = n.getParameter().split(":");
							changed.accept(new Announcement(UUID.fromString(p[0]), Long.parseLong(p[1]), p.length > 2 ? Long.parseLong(p[2]) : 0));
						}
					}
				} catch (SQLException | RuntimeException e) {
					first = false;
					try {
						Thread.sleep(1000); // the database restarts, or the network is down: try again
					} catch (InterruptedException i) {
						return;
					}
				}
			}
		}, "bits-store-listener");
		t.setDaemon(true);
		listener = t;
		t.start();
	}

	@Override
	public void leave() {
		if (!member) {
			return;
		}
		member = false;
		Thread t = listener;
		if (t != null) {
			t.interrupt();
		}
		try {
			transaction(c -> {
				release(c, engine);
				try (PreparedStatement s = c.prepareStatement("DELETE FROM bits_engine WHERE id = ?")) {
					s.setString(1, engine);
					s.executeUpdate();
				}
				forgetCallbacksOfGoneMembers(c);
				return null;
			});
		} catch (StoreException e) {
			// the database is gone: the lease expires, and another engine takes the jobs over
		} finally {
			// aborted, not closed: a heartbeat that waits for the database on it ends now
			Connection c = beating;
			beating = null;
			if (c != null) {
				try {
					c.abort(Runnable::run);
				} catch (SQLException e) {
					// broken already: nothing to give back
				}
			}
		}
	}

	/** Releases the claims of an engine (the database announces the released jobs). */
	private static void release(Connection c, String engine) throws SQLException {
		try (PreparedStatement s = c.prepareStatement("UPDATE job " + RELEASE + " WHERE claimed_by = ?")) {
			s.setString(1, engine);
			s.executeUpdate();
		}
	}

	/**
	 * A live callback lives as long as its engine: the jobs whose callback was registered on an engine that is no member
	 * now notify through their handler id, on any engine (SPEC C5).
	 */
	private static void forgetCallbacksOfGoneMembers(Connection c) throws SQLException {
		try (PreparedStatement s = c.prepareStatement("UPDATE job SET callback_engine = NULL, version = version + 1 WHERE callback_engine IS NOT NULL"
				+ " AND NOT EXISTS (SELECT 1 FROM bits_engine e WHERE e.id = job.callback_engine)")) {
			s.executeUpdate();
		}
	}

	private interface Work<T> {
		T run(Connection c) throws SQLException;
	}

	/** One transaction on a pooled connection, rolled back on any failure. */
	private <T> T transaction(Work<T> work) {
		Connection c = null;
		try {
			c = store.borrow();
			c.setAutoCommit(false);
			try {
				T result = work.run(c);
				c.commit();
				return result;
			} catch (SQLException | RuntimeException e) {
				c.rollback();
				throw e;
			} finally {
				c.setAutoCommit(true);
			}
		} catch (SQLException e) {
			throw new StoreException("the shared queue of " + store + " failed: " + e.getMessage(), e);
		} finally {
			store.giveBack(c);
		}
	}

	private static double seconds(Duration d) {
		return d.toMillis() / 1000.0;
	}

	private static String host() {
		try {
			return InetAddress.getLocalHost().getHostName();
		} catch (UnknownHostException e) {
			return ManagementFactory.getRuntimeMXBean().getName();
		}
	}
}
