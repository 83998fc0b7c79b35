package bits.engine.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README security: what another user can plant at a temporary file's name or in a file: root changes nothing. */
class TemporaryFilesTest {
	@TempDir
	Path dir;

	@Test
	void aNewTemporaryFileIsTheOwnersOnlyAndReopenedWhileItIsTheSame() throws Exception {
		Path t = dir.resolve(".a.tmp");
		String key;
		try (TemporaryFiles.Opened o = TemporaryFiles.open(t, null)) {
			key = o.key();
			o.channel().write(ByteBuffer.wrap(new byte[] { 1, 2 }));
		}
		assertNotNull(key);
		assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(t)));
		try (TemporaryFiles.Opened o = TemporaryFiles.open(t, key)) {
			assertEquals(key, o.key());
			assertEquals(2, o.channel().size());
		}
	}

	@Test
	void aLinkPlantedAtTheNameIsNeitherWrittenThroughNorDeleted() throws Exception {
		Path victim = Files.write(dir.resolve("victim"), new byte[] { 7 });
		Path t = dir.resolve(".a.tmp");
		Files.createSymbolicLink(t, victim);
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.open(t, null));
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.delete(t, null));
		assertArrayEquals(new byte[] { 7 }, Files.readAllBytes(victim));
		assertTrue(Files.isSymbolicLink(t));
	}

	@Test
	void aDirectoryLinkedAtTheNameKeepsItsFiles() throws Exception { // cancel() once emptied such a directory
		Path precious = Files.createDirectories(dir.resolve("precious"));
		Files.write(precious.resolve("keep.txt"), new byte[] { 1 });
		Path t = dir.resolve(".a.tmp");
		Files.createSymbolicLink(t, precious);
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.delete(t, null));
		assertTrue(Files.exists(precious.resolve("keep.txt")));
	}

	@Test
	void aFileSwappedInForTheEnginesIsRefused() throws Exception {
		Path t = dir.resolve(".a.tmp");
		String key;
		try (TemporaryFiles.Opened o = TemporaryFiles.open(t, null)) {
			key = o.key();
		}
		Files.move(t, dir.resolve("moved-away")); // another file at the name (another inode)
		Files.write(t, new byte[] { 9 });
		UnsafeFileException e = assertThrows(UnsafeFileException.class, () -> TemporaryFiles.open(t, key));
		assertTrue(e.getMessage().contains("replaced"), e.getMessage());
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.delete(t, key));
		assertTrue(Files.exists(t, LinkOption.NOFOLLOW_LINKS));
	}

	@Test
	void anotherUsersFileIsRefusedEvenWithTheFreedInodeNumber() throws Exception {
		Path t = dir.resolve(".b.tmp");
		String key;
		try (TemporaryFiles.Opened o = TemporaryFiles.open(t, null)) {
			key = o.key();
		}
		Files.delete(t);
		Files.write(t, new byte[] { 9 }); // the file system may well give it the same inode number
		Files.setAttribute(t, "unix:uid", 65534); // owned by another user (the tests run as root)
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.open(t, key));
	}

	@Test
	void aSourceMustBeARegularFileInsideARootByItsRealPath() throws Exception {
		Path root = Files.createDirectories(dir.resolve("root"));
		Path outside = Files.write(dir.resolve("outside.txt"), new byte[] { 1 });
		Files.createSymbolicLink(root.resolve("link"), outside);
		Path fifo = root.resolve("fifo");
		Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
		assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0);
		Path inside = Files.write(root.resolve("ok.txt"), new byte[] { 2 });
		List<Path> roots = FileRoots.of(new String[] { root.toString() });
		assertEquals(inside.toRealPath(), FileRoots.openable(roots, inside));
		assertTrue(assertThrows(UnsafeFileException.class, () -> FileRoots.openable(roots, root.resolve("link"))).getMessage().contains("outside"));
		assertTrue(assertThrows(UnsafeFileException.class, () -> FileRoots.openable(roots, fifo)).getMessage().contains("not a regular file"));
	}

	@Test
	void withNothingRecordedAnotherUsersFileAtTheNameIsRefused() throws Exception { // a crash before the identity was stored
		Path t = Files.write(dir.resolve(".c.tmp"), new byte[] { 1 });
		Files.setAttribute(t, "unix:uid", 65534);
		assertThrows(UnsafeFileException.class, () -> TemporaryFiles.open(t, null));
		Files.setAttribute(t, "unix:uid", Files.getAttribute(dir, "unix:uid"));
		try (TemporaryFiles.Opened o = TemporaryFiles.open(t, null)) {
			assertEquals(1, o.channel().size(), "the engine's own file from before the crash is taken back");
		}
	}
}
