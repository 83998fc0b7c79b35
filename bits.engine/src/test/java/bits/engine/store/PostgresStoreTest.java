package bits.engine.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Postgres;

/**
 * The PostgreSQL adapter of the store port, on a real PostgreSQL server: the contract, each test in a new database;
 * and one engine per database until engines share it by claims.
 */
class PostgresStoreTest extends JobStoreContractTest {
	@TempDir
	static Path server;
	private static Postgres postgres;

	@TempDir
	Path keys;
	private String url;

	@BeforeAll
	static void start() throws Exception {
		postgres = Postgres.start(server);
	}

	@AfterAll
	static void stop() throws Exception {
		if (postgres != null) {
			postgres.close();
		}
	}

	@BeforeEach
	void database() throws Exception {
		url = postgres.newDatabase();
	}

	@Override
	PostgresJobStore open() {
		return PostgresJobStore.open(url, "postgres", "", Secrets.open(keys.resolve("secrets.key")), Duration.ofSeconds(15));
	}

	@Test
	void enginesSharingTheDatabaseAreMembersOfItsQueue() { // C2
		try (PostgresJobStore a = open(); PostgresJobStore b = open()) {
			String ea = a.shared().orElseThrow().engine();
			String eb = b.shared().orElseThrow().engine();
			assertTrue(!ea.equals(eb), "each engine a member of its own");
			a.close();
			assertTrue(b.shared().orElseThrow().heartbeat(), "the other engine stays");
		}
	}

	@Test
	void aPostgresqlStoreUrlChoosesThisAdapter(@TempDir Path unused) throws Exception {
		try (JobStore s = JobStores.open(url, "postgres", "", unused, Secrets.open(keys.resolve("secrets.key")), Duration.ofSeconds(15), "")) {
			assertTrue(s instanceof PostgresJobStore, s.toString());
			assertTrue(s.toString().equals("store " + url), s.toString());
		}
		try (var files = java.nio.file.Files.list(unused)) {
			assertTrue(files.findAny().isEmpty(), "nothing of the store in the directory");
		}
	}

	@Test
	void aPasswordInTheUrlIsNeverInAMessage() {
		String nowhere = postgres.url("no_such_database") + "?password=hunter2";
		StoreException e = assertThrows(StoreException.class,
				() -> PostgresJobStore.open(nowhere, "postgres", "", Secrets.open(keys.resolve("secrets.key")), Duration.ofSeconds(15)));
		assertTrue(!e.getMessage().contains("hunter2") && e.getMessage().contains("no_such_database"), e.getMessage());
	}

	@Test
	void anUnreachableDatabaseIsAClearErrorNamingIt() {
		String nowhere = postgres.url("no_such_database");
		StoreException e = assertThrows(StoreException.class,
				() -> PostgresJobStore.open(nowhere, "postgres", "", Secrets.open(keys.resolve("secrets.key")), Duration.ofSeconds(15)));
		assertTrue(e.getMessage().contains("cannot open the store in " + nowhere) && e.getMessage().contains("no_such_database"), e.getMessage());
	}
}
