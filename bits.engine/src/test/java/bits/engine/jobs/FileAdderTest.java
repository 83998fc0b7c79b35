package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.engine.store.JobRow;

/** Files are checked, all of them, before any is added (SPEC §5, J3). */
class FileAdderTest {
	private final JobRow a = new JobRow(UUID.randomUUID(), "a", JobType.DOWNLOAD, "a", Instant.now());
	private final JobRow b = new JobRow(UUID.randomUUID(), "b", JobType.DOWNLOAD, "b", Instant.now());

	private static FileSpec spec(String name) {
		return new FileSpec(URI.create("https://example.invalid/" + name), Path.of("/tmp/bits-test", name));
	}

	private static FileAdder adder(List<JobRow> jobs, Path... roots) {
		Limits d = Limits.defaults();
		return new FileAdder(new Limits(d.maxJobs(), d.maxJobsPerOwner(), 3, d.inactivity(), d.defaultRetryDelay(),
				TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT, List.of(roots)), jobs);
	}

	@Test
	void aDestinationBelongsToOneFileOfOneJob() {
		a.files.addAll(adder(List.of(a, b)).check(a, List.of(spec("same"))));
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
	void temporaryFileIsHiddenBesideTheDestination() { // J3
		Path tmp = FileAdder.temporaryPath(UUID.fromString("12345678-0000-0000-0000-000000000000"), Path.of("/d/file.iso"));
		assertEquals(Path.of("/d/.file.iso.12345678.bits-tmp"), tmp);
		assertEquals(Duration.ofDays(90), Limits.defaults().inactivity());
	}
}
