package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** store.url chooses the adapter: empty is SQLite in the directory; a URL of another database is refused, naming it. */
class JobStoresTest {
	@TempDir
	Path dir;

	@Test
	void anEmptyUrlIsTheSqliteStoreInTheDirectory() {
		try (JobStore s = JobStores.open("", "", "", dir.resolve("store"), Secrets.open(dir.resolve("secrets.key")), Duration.ofSeconds(15), "")) {
			assertTrue(s instanceof SqliteJobStore, s.toString());
			assertTrue(Files.exists(dir.resolve("store/bits.db")));
		}
	}

	@Test
	void anotherDatabasesUrlIsRefusedWithoutItsQueryAndNothingIsCreated() throws Exception {
		StoreException e = assertThrows(StoreException.class, () -> JobStores.open("jdbc:mysql://db/bits?password=hunter2", "", "",
				dir.resolve("store"), Secrets.open(dir.resolve("secrets.key")), Duration.ofSeconds(15), ""));
		assertEquals("store.url jdbc:mysql://db/bits is not a jdbc:postgresql: URL; leave it empty for the SQLite store in store.directory",
				e.getMessage());
		assertFalse(Files.exists(dir.resolve("store")), "nothing created");
	}
}
