package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.api.CompleteResult;
import bits.api.ErrorCodes;
import bits.api.JobType;
import bits.api.TransferException;
import bits.engine.files.TemporaryFiles;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/** SPEC J3 with J7: complete() renames atomically, and a complete() cut off by a crash can be repeated. */
class CompletionTest {
	@TempDir
	Path dir;

	/** The job's files, transferred. */
	private final List<FileRecord> files = new ArrayList<>();

	private FileRecord file(String name, byte[] data) throws Exception {
		FileRecord f = FileRecord.added(files.size(), URI.create("http://127.0.0.1/" + name), dir.resolve(name), dir.resolve("." + name + ".bits-tmp"))
				.checkpointed(data.length, data.length, null, true);
		Files.write(f.temporary(), data);
		files.add(f);
		return f;
	}

	private JobRecord job() {
		return JobRecord.created(UUID.randomUUID(), "o", JobType.DOWNLOAD, JobSettings.defaults("j", Duration.ofSeconds(600), Duration.ofDays(14)),
				Instant.now()).with(b -> b.addFiles(files));
	}

	@Test
	void aRepeatedCompleteFindsTheFilesAlreadyMovedInPlace() throws Exception {
		FileRecord a = file("a.bin", new byte[] { 1, 2, 3 });
		FileRecord b = file("b.bin", new byte[] { 4, 5 });
		Files.move(a.temporary(), a.local()); // the first complete() renamed a.bin, then the process was killed
		assertEquals(CompleteResult.COMPLETE, Completion.moveIntoPlace(job()));
		assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(a.local()));
		assertArrayEquals(new byte[] { 4, 5 }, Files.readAllBytes(b.local()));
		assertFalse(Files.exists(b.temporary()));
	}

	@Test
	void aMissingTemporaryFileBesideAnOtherDestinationIsAnError() throws Exception {
		FileRecord a = file("a.bin", new byte[] { 1, 2, 3 });
		Files.delete(a.temporary());
		Files.write(a.local(), new byte[] { 9 }); // an older file of another size: not ours
		TransferException e = assertThrows(TransferException.class, () -> Completion.moveIntoPlace(job()));
		assertEquals(true, e.getMessage().contains("cannot move"), e.getMessage());
	}

	@Test
	void aReplacedDestinationKeepsItsPermissionsAndANewOneGetsTheUmasks() throws Exception { // README security
		FileRecord a = file("a.bin", new byte[] { 1, 2, 3 });
		FileRecord b = file("b.bin", new byte[] { 4 });
		Files.setPosixFilePermissions(a.temporary(), PosixFilePermissions.fromString("rw-------")); // as the engine creates them
		Files.setPosixFilePermissions(b.temporary(), PosixFilePermissions.fromString("rw-------"));
		Files.write(a.local(), new byte[] { 9 });
		Files.setPosixFilePermissions(a.local(), PosixFilePermissions.fromString("rw-r-----"));
		assertEquals(CompleteResult.COMPLETE, Completion.moveIntoPlace(job()));
		assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.local())));
		int umask = 0022;
		for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
			if (line.startsWith("Umask:")) {
				umask = Integer.parseInt(line.substring(6).trim(), 8);
			}
		}
		int mode = 0;
		for (PosixFilePermission p : Files.getPosixFilePermissions(b.local())) {
			mode |= 1 << (8 - p.ordinal());
		}
		assertEquals(Integer.toOctalString(0666 & ~umask), Integer.toOctalString(mode), "a new file: rw-rw-rw- less the umask");
	}

	@Test
	void aLinkSwappedInAtTheTemporaryNameIsNeverRenamedOntoTheDestination() throws Exception { // J3; README security
		FileRecord a = file("a.bin", new byte[] { 1, 2, 3 });
		Path victim = Files.write(dir.resolve("victim"), new byte[] { 7, 7, 7 });
		Files.delete(a.temporary());
		Files.createSymbolicLink(a.temporary(), victim);
		TransferException e = assertThrows(TransferException.class, () -> Completion.moveIntoPlace(job()));
		assertEquals(ErrorCodes.E_ACCESSDENIED, e.getCode());
		assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
		assertFalse(Files.exists(a.local(), LinkOption.NOFOLLOW_LINKS), "nothing renamed onto the destination");
		assertTrue(Files.isSymbolicLink(a.temporary()));
		assertArrayEquals(new byte[] { 7, 7, 7 }, Files.readAllBytes(victim));
	}

	@Test
	void aFileWithASecondLinkIsNotTheEnginesAndAnotherFileIsNotEither() throws Exception { // README security
		FileRecord a = file("a.bin", new byte[] { 1, 2, 3 });
		files.set(0, a.withTemporaryKey(TemporaryFiles.checkOurs(a.temporary(), null)));
		Files.createLink(dir.resolve("second-name"), a.temporary());
		assertEquals(ErrorCodes.E_ACCESSDENIED, assertThrows(TransferException.class, () -> Completion.moveIntoPlace(job())).getCode());
		Files.delete(dir.resolve("second-name"));
		Files.move(a.temporary(), dir.resolve("moved-away"));
		Files.write(a.temporary(), new byte[] { 1, 2, 3 }); // same name, same size, another file
		TransferException e = assertThrows(TransferException.class, () -> Completion.moveIntoPlace(job()));
		assertTrue(e.getMessage().contains("replaced"), e.getMessage());
		assertFalse(Files.exists(a.local()));
	}
}
