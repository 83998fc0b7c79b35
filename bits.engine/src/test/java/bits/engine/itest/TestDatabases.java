package bits.engine.itest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.FrameworkUtil;

/**
 * The tests' PostgreSQL store (itest-postgres.bndrun: framework property {@value #PROPERTY} = postgresql): one server
 * for the whole run, started on first use and stopped when the JVM ends, and a database for each store directory that
 * the tests configure, so that a test that moves to a fresh directory finds an empty store there too.
 */
final class TestDatabases {
	static final String PROPERTY = "bits.test.store";
	private static Postgres server;
	private static final Map<String, String> urls = new HashMap<>();

	private TestDatabases() {
	}

	/** @return whether this run keeps the jobs in PostgreSQL */
	static boolean active() {
		return "postgresql".equals(FrameworkUtil.getBundle(TestDatabases.class).getBundleContext().getProperty(PROPERTY));
	}

	/** @return the database that stands for the store directory {@code directory} (null: the default one) */
	static synchronized String url(Object directory) throws Exception {
		if (server == null) {
			Postgres started = Postgres.start(Files.createTempDirectory("bits-pg"));
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					started.close();
				} catch (Exception e) {
					System.err.println("cannot stop the tests' PostgreSQL: " + e);
				}
			}, "bits-pg stop"));
			server = started;
		}
		String key = String.valueOf(directory);
		String url = urls.get(key);
		if (url == null) {
			url = server.newDatabase();
			urls.put(key, url);
		}
		return url;
	}

	/** @return the first column of the first row a query of the store directory's database reads, as a person with a SQL client would */
	static String query(Object directory, String sql) throws Exception {
		String url = url(directory);
		try (var c = server.connect(url.substring(url.lastIndexOf('/') + 1)); var s = c.createStatement()) {
			if (!s.execute(sql)) {
				return Integer.toString(s.getUpdateCount());
			}
			try (var r = s.getResultSet()) {
				return r.next() ? r.getString(1) : null;
			}
		}
	}

	/**
	 * Every row of every table of the store directory's database, each table's rows in one order; not the engines'
	 * heartbeats ({@code bits_engine}), which the engine writes by itself every few seconds.
	 */
	static List<String> rows(Path directory) throws Exception {
		String url = url(directory.toString());
		try (var c = server.connect(url.substring(url.lastIndexOf('/') + 1)); var s = c.createStatement()) {
			return rows(s, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'bits_engine'"
					+ " ORDER BY table_name", "t::text");
		}
	}

	/**
	 * Every row of every table a query lists, as "table|column|column...", each table's rows ordered by {@code order};
	 * the store's own tables must be among them.
	 */
	static List<String> rows(Statement s, String tablesQuery, String order) throws SQLException {
		List<String> tables = new ArrayList<>();
		try (var r = s.executeQuery(tablesQuery)) {
			while (r.next()) {
				tables.add(r.getString(1));
			}
		}
		if (!tables.containsAll(List.of("job", "file", "credential", "outbox", "journal"))) {
			throw new AssertionError("the engine's tables are not there: " + tables);
		}
		List<String> rows = new ArrayList<>();
		for (String table : tables) {
			try (var r = s.executeQuery("SELECT * FROM " + table + " t ORDER BY " + order)) {
				while (r.next()) {
					StringBuilder row = new StringBuilder(table);
					for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
						row.append('|').append(r.getString(i));
					}
					rows.add(row.toString());
				}
			}
		}
		return rows;
	}
}
