package bits.engine.store;

import java.nio.file.Path;
import java.time.Duration;

/** Opens the store the configuration names: SQLite in the store directory, or PostgreSQL by {@code store.url}. */
public final class JobStores {
	private static final String POSTGRESQL = "jdbc:postgresql:";

	private JobStores() {
	}

	/**
	 * @param url empty for SQLite, else a {@code jdbc:postgresql:} URL
	 * @param directory the SQLite store's directory
	 * @param lease how long an engine sharing a PostgreSQL store stays a member of its queue without a heartbeat
	 * @param name the name of the engine's machine in a shared store; empty: the host name
	 * @throws StoreException naming the setting and the problem: another kind of URL, or the PostgreSQL driver or the
	 *         pool not wired to the engine
	 */
	public static JobStore open(String url, String user, String password, Path directory, Secrets secrets, Duration lease, String name) {
		if (url.isBlank()) {
			return SqliteJobStore.open(directory, secrets);
		}
		if (!url.startsWith(POSTGRESQL)) {
			throw new StoreException("store.url " + withoutSecrets(url) + " is not a " + POSTGRESQL + " URL; leave it empty for the SQLite store in store.directory");
		}
		// optional imports: wired only if the bundles were there when the engine resolved
		for (String[] needed : new String[][] { { "org.postgresql.ds.PGSimpleDataSource", "org.postgresql.jdbc (the PostgreSQL JDBC driver)" },
				{ "com.zaxxer.hikari.HikariDataSource", "com.zaxxer.HikariCP" } }) {
			try {
				Class.forName(needed[0], false, JobStores.class.getClassLoader());
			} catch (ClassNotFoundException | LinkageError e) {
				throw new StoreException("store.url " + withoutSecrets(url) + " needs the bundle " + needed[1]
						+ ": install it (Karaf: feature bits-postgresql) and refresh bits.engine");
			}
		}
		return PostgresJobStore.open(url, user, password, secrets, lease, name);
	}

	/** The URL for messages: its query (where a password may be) left out. */
	static String withoutSecrets(String url) {
		int q = url.indexOf('?');
		return q < 0 ? url : url.substring(0, q);
	}
}
