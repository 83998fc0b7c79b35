package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferException;

/** The job table's checks happen before any change (SPEC §5, J1, J2). */
class JobTableTest {
	private final JobTable table = new JobTable();

	private static FileSpec spec(String name) {
		return new FileSpec(URI.create("https://example.invalid/" + name), Path.of("/tmp/bits-test", name));
	}

	@Test
	void newJobIsSuspendedWithBitsDefaults() { // J2
		JobRecord job = table.create("a", "job", JobType.DOWNLOAD);
		assertEquals(JobState.SUSPENDED, job.state);
		assertEquals(0, job.files.size());
	}

	@Test
	void uploadJobsAreNotSupportedYet() {
		TransferException e = assertThrows(TransferException.class, () -> table.create("a", "up", JobType.UPLOAD));
		assertEquals(ErrorCodes.E_NOTIMPL, e.getCode());
		assertTrue(table.list(null).isEmpty());
	}

	@Test
	void aBadFileInABatchAddsNothing() {
		JobRecord job = table.create("a", "job", JobType.DOWNLOAD);
		List<FileSpec> batch = List.of(spec("one"), new FileSpec(URI.create("ftp://h/x"), Path.of("/tmp/x")));
		assertThrows(TransferException.class, () -> table.addFiles(job, batch));
		assertEquals(0, job.files.size());
	}

	@Test
	void aDestinationBelongsToOneFileOfOneJob() {
		JobRecord a = table.create("a", "a", JobType.DOWNLOAD);
		JobRecord b = table.create("b", "b", JobType.DOWNLOAD);
		table.addFiles(a, List.of(spec("same")));
		TransferException e = assertThrows(TransferException.class, () -> table.addFiles(b, List.of(spec("same"))));
		assertEquals(ErrorCodes.E_INVALIDARG, e.getCode());
		assertThrows(TransferException.class, () -> table.addFiles(a, List.of(spec("x"), spec("x"))));
		assertEquals(1, a.files.size());
		assertEquals(0, b.files.size());
	}

	@Test
	void filesPerJobAreLimited() {
		JobRecord job = table.create("a", "job", JobType.DOWNLOAD);
		List<FileSpec> many = new ArrayList<>();
		for (int i = 0; i <= JobTable.MAX_FILES_PER_JOB; i++) {
			many.add(spec("f" + i));
		}
		assertEquals(ErrorCodes.BG_E_TOO_MANY_FILES_IN_JOB, assertThrows(TransferException.class, () -> table.addFiles(job, many)).getCode());
		assertEquals(0, job.files.size());
	}

	@Test
	void aFinalJobRefusesChangesAndLeavesTheTable() { // J2
		JobRecord job = table.create("a", "job", JobType.DOWNLOAD);
		table.finish(job, JobState.CANCELLED);
		assertTrue(table.list(null).isEmpty());
		TransferException e = assertThrows(TransferException.class, () -> table.update(job, j -> j.description = "x"));
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, e.getCode());
		assertEquals("", job.description);
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, () -> table.addFiles(job, List.of(spec("late")))).getCode());
	}

	@Test
	void temporaryFileIsHiddenBesideTheDestination() { // J3
		Path tmp = JobTable.temporaryPath(java.util.UUID.fromString("12345678-0000-0000-0000-000000000000"), Path.of("/d/file.iso"));
		assertEquals(Path.of("/d/.file.iso.12345678.bits-tmp"), tmp);
	}
}
