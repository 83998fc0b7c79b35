package bits.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The engine's one-way data flow, checked on its sources: API calls and transfers go to {@code jobs}, the only writer
 * of job state, which writes through the {@code store} port; {@code model} holds the immutable records they share.
 * A new arrow these rules forbid fails here, with the file that draws it.
 */
class PackageRulesTest {
	private static final Path SOURCES = Path.of("src/main/java/bits/engine");

	/** @return the files of a package that match the pattern, as "package/File.java" */
	private static List<String> matching(String pkg, Pattern pattern) throws IOException {
		List<String> found = new ArrayList<>();
		try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
			for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
				if (pattern.matcher(Files.readString(f)).find()) {
					found.add(SOURCES.relativize(f).toString());
				}
			}
		}
		return found;
	}

	private static Pattern imports(String pkg) {
		return Pattern.compile("(?m)^import (static )?bits\\.engine\\." + pkg + "\\.");
	}

	@Test
	void transfersReportToJobsAndNeverTouchTheStore() throws IOException {
		assertEquals(List.of(), matching("transfer", imports("store")));
	}

	@Test
	void jobsAskHandlersThroughAnInterfaceOfTheirOwn() throws IOException {
		assertEquals(List.of(), matching("jobs", imports("handler")));
	}

	@Test
	void theStoreKnowsNothingAboveIt() throws IOException {
		for (String above : List.of("jobs", "transfer", "notify", "handler", "shell", "rest", "client")) {
			assertEquals(List.of(), matching("store", imports(above)), above);
		}
	}

	@Test
	void theModelIsPlainRecords() throws IOException {
		assertEquals(List.of(), matching("model", Pattern.compile("(?m)^import bits\\.engine\\.")));
		assertEquals(List.of(), matching("model", Pattern.compile("\\bsynchronized\\b|\\bvolatile\\b")));
	}

	@Test
	void onlyJobsWritesThroughTheStoreAndOnlyTheTableOpensIt() throws IOException {
		for (String pkg : List.of("transfer", "notify", "handler", "shell", "rest", "client", "config", "files")) {
			assertEquals(List.of(), matching(pkg, Pattern.compile("JobStore")), pkg);
		}
		assertEquals(List.of("jobs/JobTable.java"), matching("jobs", Pattern.compile("JobStores|SqliteJobStore|PostgresJobStore")));
	}

	@Test
	void nobodyBorrowsTheTablesLock() throws IOException {
		Pattern borrowed = Pattern.compile("synchronized\\s*\\(\\s*(table|JobTable)");
		for (String pkg : List.of("jobs", "transfer", "notify", "handler", "shell", "rest")) {
			assertEquals(List.of(), matching(pkg, borrowed), pkg);
		}
	}

	@Test
	void theHttpClientsHousekeepingKnowsNothingOfTheEngine() throws IOException { // used by transfers and upload endpoints alike
		assertEquals(List.of(), matching("http", Pattern.compile("(?m)^import bits\\.")));
	}

	@Test
	void theUploadEndpointsStandBesideTheJobs() throws IOException { // SPEC U3: a server of files, not a client of jobs
		for (String pkg : List.of("jobs", "store", "transfer", "notify", "handler", "shell", "model")) {
			assertEquals(List.of(), matching("upload", imports(pkg)), pkg);
		}
	}
}
