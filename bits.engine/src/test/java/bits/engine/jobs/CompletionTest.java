package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.CompleteResult;
import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/** SPEC J3 with J7: complete() renames atomically, and a complete() cut off by a crash can be repeated. */
class CompletionTest {
	@TempDir
	Path dir;

	private FileRow file(JobRow job, String name, byte[] data) throws Exception {
		FileRow f = new FileRow(job.files.size(), URI.create("http://127.0.0.1/" + name), dir.resolve(name), dir.resolve("." + name + ".bits-tmp"));
		Files.write(f.temporary, data);
		f.bytesTotal = data.length;
		f.bytesTransferred = data.length;
		f.completed = true;
		job.files.add(f);
		return f;
	}

	@Test
	void aRepeatedCompleteFindsTheFilesAlreadyMovedInPlace() throws Exception {
		JobRow job = new JobRow(UUID.randomUUID(), "o", JobType.DOWNLOAD, "j", Instant.now());
		FileRow a = file(job, "a.bin", new byte[] { 1, 2, 3 });
		FileRow b = file(job, "b.bin", new byte[] { 4, 5 });
		Files.move(a.temporary, a.local); // the first complete() renamed a.bin, then the process was killed
		assertEquals(CompleteResult.COMPLETE, Completion.moveIntoPlace(job));
		assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(a.local));
		assertArrayEquals(new byte[] { 4, 5 }, Files.readAllBytes(b.local));
		assertFalse(Files.exists(b.temporary));
	}

	@Test
	void aMissingTemporaryFileBesideAnOtherDestinationIsAnError() throws Exception {
		JobRow job = new JobRow(UUID.randomUUID(), "o", JobType.DOWNLOAD, "j", Instant.now());
		FileRow a = file(job, "a.bin", new byte[] { 1, 2, 3 });
		Files.delete(a.temporary);
		Files.write(a.local, new byte[] { 9 }); // an older file of another size: not ours
		TransferException e = assertThrows(TransferException.class, () -> Completion.moveIntoPlace(job));
		assertEquals(true, e.getMessage().contains("cannot move"), e.getMessage());
	}
}
