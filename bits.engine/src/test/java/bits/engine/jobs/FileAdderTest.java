package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/** Files are checked, all of them, before any is added (SPEC §5, J3). */
class FileAdderTest {
	private JobRecord a = job("a");
	private final JobRecord b = job("b");

	private static JobRecord job(String owner) {
		return JobRecord.created(UUID.randomUUID(), owner, JobType.DOWNLOAD,
				JobSettings.defaults(owner, TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT), Instant.now());
	}

	/** Adds the files to job a, as the job table does with what the adder accepted. */
	private void addToA(List<bits.engine.model.FileRecord> files) {
		a = a.with(x -> x.addFiles(files));
	}

	private static FileSpec spec(String name) {
		return new FileSpec(URI.create("https://example.invalid/" + name), Path.of("/tmp/bits-test", name));
	}

	private static FileAdder adder(List<JobRecord> jobs, Path... roots) {
		Limits d = Limits.defaults();
		JobIndex index = new JobIndex(); // the table's, with these jobs in it
		jobs.forEach(index::added);
		return new FileAdder(new Limits(d.maxJobs(), d.maxJobsPerOwner(), 3, d.inactivity(), d.defaultRetryDelay(),
				TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT, List.of(roots), d.eventRetention()), index::taken);
	}

	@Test
	void aDestinationBelongsToOneFileOfOneJob() {
		addToA(adder(List.of(a, b)).check(a, List.of(spec("same"))));
		TransferException e = assertThrows(TransferException.class, () -> adder(List.of(a, b)).check(b, List.of(spec("same"))));
		assertEquals(ErrorCodes.E_INVALIDARG, e.getCode());
		assertTrue(e.getMessage().contains("already the destination"), e.getMessage());
		assertThrows(TransferException.class, () -> adder(List.of(a, b)).check(b, List.of(spec("x"), spec("x"))));
	}

	@Test
	void filesPerJobAreLimited() {
		List<FileSpec> many = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			many.add(spec("f" + i));
		}
		assertEquals(ErrorCodes.BG_E_TOO_MANY_FILES_IN_JOB, assertThrows(TransferException.class, () -> adder(List.of(a)).check(a, many)).getCode());
	}

	@Test
	void fileUrisOnlyInsideConfiguredRoots() {
		FileSpec inside = new FileSpec(URI.create("file:///srv/share/x.bin"), Path.of("/tmp/bits-test/x"));
		FileSpec outside = new FileSpec(URI.create("file:///etc/passwd"), Path.of("/tmp/bits-test/p"));
		FileSpec escaping = new FileSpec(URI.create("file:///srv/share/../../etc/passwd"), Path.of("/tmp/bits-test/q"));
		assertEquals(1, adder(List.of(a), Path.of("/srv/share")).check(a, List.of(inside)).size());
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class,
				() -> adder(List.of(a), Path.of("/srv/share")).check(a, List.of(outside))).getCode());
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class,
				() -> adder(List.of(a), Path.of("/srv/share")).check(a, List.of(escaping))).getCode());
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class, () -> adder(List.of(a)).check(a, List.of(inside))).getCode());
	}

	@Test
	void temporaryFileIsHiddenBesideTheDestinationWithAnUnpredictableName() { // J3; README security: nothing can be planted at it
		UUID id = UUID.fromString("12345678-0000-0000-0000-000000000000");
		Path tmp = FileAdder.temporaryPath(id, Path.of("/d/file.iso"));
		assertEquals(Path.of("/d"), tmp.getParent());
		assertTrue(tmp.getFileName().toString().matches("\\.file\\.iso\\.12345678\\.[0-9a-f]{16}\\.bits-tmp"), tmp.toString());
		assertNotEquals(tmp, FileAdder.temporaryPath(id, Path.of("/d/file.iso")), "a random part");
		assertEquals(Duration.ofDays(90), Limits.defaults().inactivity());
	}

	@Test
	void aBackslashIsPartOfAFileNameNotASeparator() { // J3: /d/a\b and /d/b of one job never share a temporary file
		addToA(adder(List.of(a)).check(a, List.of(new FileSpec(URI.create("https://h/1"), Path.of("/d/a\\b")),
				new FileSpec(URI.create("https://h/2"), Path.of("/d/b")))));
		Path first = a.files().get(0).temporary();
		Path second = a.files().get(1).temporary();
		assertNotEquals(first, second);
		assertTrue(first.getFileName().toString().startsWith(".a\\b."), first.toString());
		assertEquals(Path.of("/d"), first.getParent());
	}

	@Test
	void aFileUriThroughALinkOutOfARootIsRefused(@TempDir Path tmp) throws Exception { // README security: file.roots by real path
		Path root = Files.createDirectories(tmp.resolve("root"));
		Path secret = Files.writeString(tmp.resolve("secret.txt"), "secret");
		Files.createSymbolicLink(root.resolve("link"), secret);
		FileSpec viaLink = new FileSpec(root.resolve("link").toUri(), Path.of("/tmp/bits-test/l"));
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class,
				() -> adder(List.of(a), root).check(a, List.of(viaLink))).getCode());
	}
}
