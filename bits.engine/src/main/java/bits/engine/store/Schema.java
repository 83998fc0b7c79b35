package bits.engine.store;

import java.util.Arrays;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The store's schema as an ordered list of migrations; {@code PRAGMA user_version} records how many ran. */
final class Schema {
	private Schema() {
	}

	/** ErrorContext in schema 4's order. */
	private static final String[] CONTEXTS = { "NONE", "UNKNOWN", "GENERAL_QUEUE_MANAGER", "QUEUE_MANAGER_NOTIFICATION", "LOCAL_FILE",
			"REMOTE_FILE", "GENERAL_TRANSPORT", "REMOTE_APPLICATION", "SERVER_CERTIFICATE_CALLBACK" };

	/** Never edit a released migration: append a new one. */
	static final List<String[]> MIGRATIONS = List.<String[]>of(
			new String[] { // 1: jobs, files, credentials
					"CREATE TABLE job (id TEXT PRIMARY KEY, owner TEXT NOT NULL, type INTEGER NOT NULL, state INTEGER NOT NULL,"
							+ " display_name TEXT NOT NULL, description TEXT NOT NULL, priority INTEGER NOT NULL,"
							+ " retry_delay_ms INTEGER NOT NULL, no_progress_timeout_ms INTEGER NOT NULL, notify_interval_ms INTEGER NOT NULL,"
							+ " custom_headers TEXT NOT NULL, proxy_usage INTEGER NOT NULL, proxy_list TEXT NOT NULL, proxy_bypass TEXT NOT NULL,"
							+ " max_download_size INTEGER NOT NULL, redirect_policy INTEGER NOT NULL, notify_flags INTEGER NOT NULL, handler_id TEXT,"
							+ " error_context INTEGER, error_code INTEGER, error_description TEXT, error_file INTEGER,"
							+ " notify_error_context INTEGER, notify_error_code INTEGER, notify_error_description TEXT, notify_error_file INTEGER,"
							+ " created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, transferred_ms INTEGER,"
							+ " last_progress_ms INTEGER NOT NULL, retry_at_ms INTEGER)",
					"CREATE INDEX job_owner ON job(owner)",
					"CREATE TABLE file (job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE, idx INTEGER NOT NULL,"
							+ " remote TEXT NOT NULL, local TEXT NOT NULL UNIQUE, temporary TEXT NOT NULL,"
							+ " bytes_total INTEGER NOT NULL, bytes_transferred INTEGER NOT NULL, completed INTEGER NOT NULL,"
							+ " validation INTEGER NOT NULL, validator TEXT, PRIMARY KEY (job, idx))",
					"CREATE TABLE credential (job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE, target INTEGER NOT NULL,"
							+ " scheme INTEGER NOT NULL, user_name TEXT NOT NULL, password TEXT NOT NULL, PRIMARY KEY (job, target))" },
			new String[] { // 2: the outbox of terminal notifications (SPEC N7)
					"CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,"
							+ " kind INTEGER NOT NULL, file INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
					"CREATE INDEX outbox_job ON outbox(job)" },
			new String[] { // 3: the temporary file's identity; the opt-in to credentials over plain http
					"ALTER TABLE file ADD COLUMN temporary_key TEXT",
					"ALTER TABLE job ADD COLUMN plain_http_auth INTEGER NOT NULL DEFAULT 0" },
			new String[] { // 4: the journal of terminal events, which the event stream replays (SPEC S3); kinds by name
					"CREATE TABLE journal (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, owner TEXT NOT NULL,"
							+ " kind TEXT NOT NULL, file INTEGER NOT NULL, created_ms INTEGER NOT NULL)",
					"CREATE INDEX journal_job ON journal(job)" },
			concat( // 5: enum values by name instead of by ordinal (SPEC C1); the names and orders of schema 4, fixed here
					byName("job", "type", "DOWNLOAD", "UPLOAD", "UPLOAD_REPLY"),
					byName("job", "state", "QUEUED", "CONNECTING", "TRANSFERRING", "SUSPENDED", "ERROR", "TRANSIENT_ERROR", "TRANSFERRED",
							"ACKNOWLEDGED", "CANCELLED"),
					byName("job", "priority", "FOREGROUND", "HIGH", "NORMAL", "LOW"),
					byName("job", "proxy_usage", "PRECONFIG", "NO_PROXY", "OVERRIDE"),
					byName("job", "redirect_policy", "ALLOW", "ALLOW_HTTPS_TO_HTTP", "DISALLOW"),
					nullableByName("job", "error_context", CONTEXTS), nullableByName("job", "notify_error_context", CONTEXTS),
					flagsByName("job", "notify_flags", "JOB_TRANSFERRED", "JOB_ERROR", "DISABLE", "JOB_MODIFICATION", "FILE_TRANSFERRED"),
					byName("file", "validation", "UNKNOWN", "VALID", "INVALID"),
					byName("credential", "scheme", "BASIC", "DIGEST", "NTLM", "NEGOTIATE"),
					byName("outbox", "kind", "JOB_TRANSFERRED", "JOB_ERROR", "FILE_TRANSFERRED"),
					// credential.target is part of the primary key, which a column cannot leave: its values change in place
					new String[] { "UPDATE credential SET target = CASE target WHEN 0 THEN 'SERVER' WHEN 1 THEN 'PROXY' ELSE CAST(target AS TEXT) END" }),
			new String[] { // 6: the columns a shared store needs (SPEC C2, C3), in the one mapping both stores use: one engine never claims
					"ALTER TABLE job ADD COLUMN version INTEGER NOT NULL DEFAULT 0", "ALTER TABLE job ADD COLUMN claimed_by TEXT",
					"ALTER TABLE job ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0" },
			new String[] { // 7: the engine where the job's live callback is registered (SPEC C5); the engine whose disk holds
					// the job's files, and what its owner asked of it (SPEC C4)
					"ALTER TABLE job ADD COLUMN callback_engine TEXT", "ALTER TABLE job ADD COLUMN pinned_to TEXT",
					"ALTER TABLE job ADD COLUMN pinned_request TEXT" },
			new String[] { // 8: where an upload-reply job puts the server's reply (SPEC U2)
					"ALTER TABLE job ADD COLUMN reply_file TEXT" },
			new String[] { // 9: how an upload job speaks to its server (SPEC U5)
					"ALTER TABLE job ADD COLUMN upload_protocol TEXT NOT NULL DEFAULT 'BITS'" });

	/**
	 * A column of ordinals becomes a TEXT column of names: added, filled, the old one dropped, the new one renamed
	 * (SQLite changes no column's type in place). A number no name matches is kept as its text, which the engine then
	 * reports as a value it does not know.
	 */
	private static String[] byName(String table, String column, String... names) {
		return new String[] { "ALTER TABLE " + table + " ADD COLUMN " + column + "_name TEXT NOT NULL DEFAULT ''",
				"UPDATE " + table + " SET " + column + "_name = " + cases(column, names), "ALTER TABLE " + table + " DROP COLUMN " + column,
				"ALTER TABLE " + table + " RENAME COLUMN " + column + "_name TO " + column };
	}

	private static String[] nullableByName(String table, String column, String... names) {
		return new String[] { "ALTER TABLE " + table + " ADD COLUMN " + column + "_name TEXT",
				"UPDATE " + table + " SET " + column + "_name = " + cases(column, names) + " WHERE " + column + " IS NOT NULL",
				"ALTER TABLE " + table + " DROP COLUMN " + column, "ALTER TABLE " + table + " RENAME COLUMN " + column + "_name TO " + column };
	}

	/** A BITS flag word (bit i: the i-th name) becomes the names joined by commas. */
	private static String[] flagsByName(String table, String column, String... names) {
		StringBuilder joined = new StringBuilder("''");
		for (int i = 0; i < names.length; i++) {
			joined.append(" || CASE WHEN (" + column + " & " + (1 << i) + ") != 0 THEN '," + names[i] + "' ELSE '' END");
		}
		return new String[] { "ALTER TABLE " + table + " ADD COLUMN " + column + "_name TEXT NOT NULL DEFAULT ''",
				"UPDATE " + table + " SET " + column + "_name = substr(" + joined + ", 2)", "ALTER TABLE " + table + " DROP COLUMN " + column,
				"ALTER TABLE " + table + " RENAME COLUMN " + column + "_name TO " + column };
	}

	private static String cases(String column, String... names) {
		StringBuilder b = new StringBuilder("CASE " + column);
		for (int i = 0; i < names.length; i++) {
			b.append(" WHEN ").append(i).append(" THEN '").append(names[i]).append('\'');
		}
		return b.append(" ELSE CAST(").append(column).append(" AS TEXT) END").toString();
	}

	private static String[] concat(String[]... parts) {
		return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
	}

	/** Runs the migrations the store has not seen, each in its own transaction. */
	static void migrate(Connection c) throws SQLException {
		int version;
		try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA user_version")) {
			version = r.next() ? r.getInt(1) : 0;
		}
		if (version > MIGRATIONS.size()) {
			throw new SQLException("the store has schema version " + version + ", newer than this engine's " + MIGRATIONS.size());
		}
		for (int v = version; v < MIGRATIONS.size(); v++) {
			c.setAutoCommit(false);
			try (Statement s = c.createStatement()) {
				for (String sql : MIGRATIONS.get(v)) {
					s.execute(sql);
				}
				s.execute("PRAGMA user_version = " + (v + 1));
				c.commit();
			} catch (SQLException e) {
				c.rollback();
				throw e;
			} finally {
				c.setAutoCommit(true);
			}
		}
	}
}
