package bits.dist;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reads an engine's store from the test's own process (never the engine's: two SQLite libraries in one process would not share locks). */
final class StoreQueries {
	private StoreQueries() {
	}

	/** @return the first column of the first row, or 0 while the store or its schema does not exist yet */
	static long queryLong(Path store, String sql) {
		if (!Files.exists(store.resolve("bits.db"))) {
			return 0;
		}
		try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("bits.db"));
				ResultSet r = c.createStatement().executeQuery(sql)) {
			return r.next() ? r.getLong(1) : 0;
		} catch (SQLException e) {
			return 0; // the schema is not there yet
		}
	}

	/** @return every row of the query, its columns joined by " | ", one line per row; or the error */
	static String queryRows(Path store, String sql) {
		if (!Files.exists(store.resolve("bits.db"))) {
			return "(no store)";
		}
		StringBuilder b = new StringBuilder();
		try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve("bits.db"));
				ResultSet r = c.createStatement().executeQuery(sql)) {
			int n = r.getMetaData().getColumnCount();
			while (r.next()) {
				for (int i = 1; i <= n; i++) {
					b.append(i > 1 ? " | " : "").append(r.getString(i));
				}
				b.append('\n');
			}
		} catch (SQLException e) {
			return e.toString();
		}
		return b.toString();
	}
}
