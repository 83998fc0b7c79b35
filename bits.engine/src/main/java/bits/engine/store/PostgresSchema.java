package bits.engine.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL store's schema as an ordered list of migrations; table {@code bits_schema} records how many ran. The
 * tables and columns are SQLite's (schema 5), so one JDBC mapping serves both; {@code job.seq} orders jobs created in
 * the same millisecond, as SQLite's rowid does.
 */
final class PostgresSchema {
	private PostgresSchema() {
	}

	/** The claims' order of priorities, as an expression an index can hold. */
	static final String PRIORITY_ORDER = "array_position(ARRAY['FOREGROUND', 'HIGH', 'NORMAL', 'LOW']::text[], priority)";

	/** Never edit a released migration: append a new one. */
	static final List<String[]> MIGRATIONS = List.<String[]>of(new String[] { // 1: schema 5 of the SQLite store
			"CREATE TABLE job (id TEXT PRIMARY KEY, seq BIGSERIAL, owner TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL,"
					+ " display_name TEXT NOT NULL, description TEXT NOT NULL, priority TEXT NOT NULL,"
					+ " retry_delay_ms BIGINT NOT NULL, no_progress_timeout_ms BIGINT NOT NULL, notify_interval_ms BIGINT NOT NULL,"
					+ " custom_headers TEXT NOT NULL, proxy_usage TEXT NOT NULL, proxy_list TEXT NOT NULL, proxy_bypass TEXT NOT NULL,"
					+ " max_download_size BIGINT NOT NULL, redirect_policy TEXT NOT NULL, notify_flags TEXT NOT NULL, handler_id TEXT,"
					+ " error_context TEXT, error_code INTEGER, error_description TEXT, error_file INTEGER,"
					+ " notify_error_context TEXT, notify_error_code INTEGER, notify_error_description TEXT, notify_error_file INTEGER,"
					+ " created_ms BIGINT NOT NULL, modified_ms BIGINT NOT NULL, transferred_ms BIGINT,"
					+ " last_progress_ms BIGINT NOT NULL, retry_at_ms BIGINT, plain_http_auth INTEGER NOT NULL DEFAULT 0)",
			"CREATE INDEX job_owner ON job(owner)",
			"CREATE TABLE file (job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE, idx INTEGER NOT NULL,"
					+ " remote TEXT NOT NULL, local TEXT NOT NULL UNIQUE, temporary TEXT NOT NULL,"
					+ " bytes_total BIGINT NOT NULL, bytes_transferred BIGINT NOT NULL, completed INTEGER NOT NULL,"
					+ " validation TEXT NOT NULL, validator TEXT, temporary_key TEXT, PRIMARY KEY (job, idx))",
			"CREATE TABLE credential (job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE, target TEXT NOT NULL,"
					+ " scheme TEXT NOT NULL, user_name TEXT NOT NULL, password TEXT NOT NULL, PRIMARY KEY (job, target))",
			"CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,"
					+ " kind TEXT NOT NULL, file INTEGER NOT NULL, created_ms BIGINT NOT NULL)",
			"CREATE INDEX outbox_job ON outbox(job)",
			"CREATE TABLE journal (id BIGSERIAL PRIMARY KEY, job TEXT NOT NULL, owner TEXT NOT NULL,"
					+ " kind TEXT NOT NULL, file INTEGER NOT NULL, created_ms BIGINT NOT NULL)",
			"CREATE INDEX journal_job ON journal(job)" }, new String[] { // 2: engines sharing the queue (SPEC C2-C4)
			"ALTER TABLE job ADD COLUMN version BIGINT NOT NULL DEFAULT 0", "ALTER TABLE job ADD COLUMN claimed_by TEXT",
			"ALTER TABLE job ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0",
			// the queue's order among equal priorities: the creation order, and the back of the line after a time slice
			"ALTER TABLE job ADD COLUMN turn BIGSERIAL",
			"CREATE INDEX job_queue ON job(turn) WHERE state = 'QUEUED' AND claimed_by IS NULL",
			"CREATE INDEX job_claimed ON job(claimed_by) WHERE claimed_by IS NOT NULL",
			// each member's lease as it set it: a member is judged by its own lease, not by the judge's
			"CREATE TABLE bits_engine (id TEXT PRIMARY KEY, heartbeat TIMESTAMPTZ NOT NULL, started TIMESTAMPTZ NOT NULL,"
					+ " host TEXT NOT NULL, pid BIGINT NOT NULL, lease_ms BIGINT NOT NULL)",
			// the engine delivering a notification, until when (SPEC C5)
			"ALTER TABLE outbox ADD COLUMN claimed_by TEXT", "ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ" },
			new String[] { // 3: a value sealed with the secrets key, which every engine sharing the store must open
					"CREATE TABLE bits_key (id INTEGER PRIMARY KEY CHECK (id = 1), sealed TEXT NOT NULL)" },
			new String[] { // 4: the engine where the job's live callback is registered (SPEC C5); the engine whose disk holds
					// the job's files, and what its owner asked of it; each member's name (SPEC C4)
					"ALTER TABLE job ADD COLUMN callback_engine TEXT", "ALTER TABLE job ADD COLUMN pinned_to TEXT",
					"ALTER TABLE job ADD COLUMN pinned_request TEXT", "ALTER TABLE bits_engine ADD COLUMN name TEXT",
					"CREATE INDEX job_callback ON job(callback_engine) WHERE callback_engine IS NOT NULL",
					// the claims' order (SPEC C2): a claim reads the first entries instead of sorting the queue
					"CREATE INDEX job_claim_order ON job ((" + PRIORITY_ORDER + "), turn) WHERE state = 'QUEUED' AND claimed_by IS NULL" },
			new String[] { // 5: where an upload-reply job puts the server's reply (SPEC U2)
					"ALTER TABLE job ADD COLUMN reply_file TEXT" },
			new String[] { // 6: how an upload job speaks to its server (SPEC U5)
					"ALTER TABLE job ADD COLUMN upload_protocol TEXT NOT NULL DEFAULT 'BITS'" },
			new String[] { // 7: the database announces each change of a job's row itself, in the change's transaction: no
					// statement of the engine's per changed job, and a change made by hand is announced too (engines read it
					// if it gives the row a new version). The table's strongest lock first, not in two steps that an
					// engine of an older version writing meanwhile could deadlock with
					"LOCK TABLE job IN ACCESS EXCLUSIVE MODE", "CREATE FUNCTION bits_announce_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('"
							+ PostgresJobStore.CHANNEL + "', NEW.id || ':' || NEW.version); RETURN NULL; END $$",
					"CREATE TRIGGER job_announce AFTER INSERT OR UPDATE ON job FOR EACH ROW EXECUTE FUNCTION bits_announce_job()",
					// the claims' order is job_claim_order's alone: a plan through this index read and sorted the whole queue at
					// every claim
					"DROP INDEX IF EXISTS job_queue" },
			new String[] { // 8: an acknowledged notification is announced (job:-3:notice): it changes no row of its job, and
					// the engines' periodic read no longer reads the notifications of jobs no engine claims. Not those deleted with
					// their job: its end is announced, with its final state
					"CREATE FUNCTION bits_announce_notice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
							+ " IF EXISTS (SELECT 1 FROM job WHERE id = OLD.job) THEN PERFORM pg_notify('" + PostgresJobStore.CHANNEL
							+ "', OLD.job || ':" + SharedQueue.Announcement.NOTICES + ":' || OLD.id); END IF; RETURN NULL; END $$",
					"CREATE TRIGGER outbox_announce AFTER DELETE ON outbox FOR EACH ROW EXECUTE FUNCTION bits_announce_notice()" });

	/**
	 * Runs the migrations the database has not seen, in one transaction (PostgreSQL's DDL is transactional); its advisory lock
	 * makes engines that start together migrate one after the other.
	 */
	static void migrate(Connection c) throws SQLException {
		c.setAutoCommit(false);
		try (Statement s = c.createStatement()) {
			s.execute("SELECT pg_advisory_xact_lock(" + PostgresJobStore.LOCK_KEY + ")");
			s.execute("CREATE TABLE IF NOT EXISTS bits_schema (version INTEGER NOT NULL)");
			int version;
			try (ResultSet r = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM bits_schema")) {
				r.next();
				version = r.getInt(1);
			}
			if (version > MIGRATIONS.size()) {
				throw new SQLException("the store has schema version " + version + ", newer than this engine's " + MIGRATIONS.size());
			}
			for (int v = version; v < MIGRATIONS.size(); v++) {
				for (String sql : MIGRATIONS.get(v)) {
					s.execute(sql);
				}
				s.execute("INSERT INTO bits_schema (version) VALUES (" + (v + 1) + ")");
			}
			c.commit();
		} catch (SQLException e) {
			c.rollback();
			throw e;
		} finally {
			c.setAutoCommit(true);
		}
	}
}
