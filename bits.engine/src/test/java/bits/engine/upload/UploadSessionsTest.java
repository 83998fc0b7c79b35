package bits.engine.upload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.upload.SessionException.Reason;

/** The resumable-upload core both protocols share (SPEC U3, U5): order, overlap, gaps, durability, close, cancel. */
class UploadSessionsTest {
	private static final long DAY = 24L * 3600 * 1000;
	@TempDir
	Path dir;
	final AtomicLong now = new AtomicLong(1_000_000);
	final byte[] file = new byte[100_000];
	UploadSessions sessions;

	@BeforeEach
	void open() throws IOException {
		new Random(7).nextBytes(file);
		sessions = UploadSessions.open(dir, new UploadSessions.Rules(0, 14 * DAY, false, 3), now::get);
	}

	private SessionRecord send(String id, long first, long last) throws SessionException {
		return sessions.write(id, "alice", first, file.length, last - first, new ByteArrayInputStream(Arrays.copyOfRange(file, (int) first, (int) last)));
	}

	private static Reason reason(Executable e) {
		return assertThrows(SessionException.class, e::run).reason();
	}

	interface Executable {
		void run() throws Exception;
	}

	@Test
	void fragmentsInOrderMakeTheFileWhichCloseMovesIntoPlace() throws Exception {
		String id = sessions.create("bits", "report.bin", "alice", -1, Map.of()).id();
		assertEquals(40_000, send(id, 0, 40_000).received());
		SessionRecord r = send(id, 40_000, 100_000);
		assertTrue(r.whole());
		assertFalse(Files.exists(dir.resolve("report.bin")), "nothing at the destination before Close-Session");
		assertEquals(dir.resolve("report.bin"), sessions.close(id, "alice"));
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("report.bin")));
		assertFalse(Files.exists(dir.resolve(UploadSessions.AREA).resolve(id)), "the session's directory is gone");
		assertEquals(Reason.NOT_FOUND, reason(() -> sessions.close(id, "alice")));
	}

	@Test
	void anOverlappingFragmentWritesOnlyItsNewPartAndAGapOrAnOldFragmentIsRefusedWithTheOffset() throws Exception {
		String id = sessions.create("bits", "o.bin", "alice", -1, Map.of()).id();
		send(id, 0, 30_000);
		assertEquals(50_000, send(id, 20_000, 50_000).received(), "the known 10,000 bytes skipped, not written twice");
		SessionException gap = assertThrows(SessionException.class, () -> send(id, 60_000, 70_000));
		assertEquals(Reason.OFFSET, gap.reason());
		assertEquals(50_000, gap.expected());
		SessionException old = assertThrows(SessionException.class, () -> send(id, 10_000, 40_000));
		assertEquals(Reason.OFFSET, old.reason());
		assertEquals(50_000, old.expected());
		send(id, 50_000, 100_000);
		sessions.close(id, "alice");
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("o.bin")), "no byte duplicated by the overlap");
	}

	@Test
	void theTotalLengthMayNotChangeNorBeExceededNorPassTheEndpointsLimit() throws Exception {
		String id = sessions.create("bits", "t.bin", "alice", -1, Map.of()).id();
		send(id, 0, 10);
		assertEquals(Reason.LENGTH_CHANGED, reason(() -> sessions.write(id, "alice", 10, 5000, 10, new ByteArrayInputStream(new byte[10]))));
		assertEquals(Reason.BEYOND_LENGTH, reason(() -> sessions.write(id, "alice", 10, file.length, file.length, new ByteArrayInputStream(new byte[file.length]))));
		sessions.rules(new UploadSessions.Rules(50_000, 14 * DAY, false, 3));
		assertEquals(Reason.TOO_LARGE, reason(() -> send(id, 10, 20)));
		assertEquals(10, sessions.find(id, "alice").orElseThrow().received(), "nothing taken from refused requests");
	}

	@Test
	void anInterruptedBodyKeepsTheBytesThatCame() throws Exception {
		String id = sessions.create("tus", "i.bin", "alice", file.length, Map.of()).id();
		InputStream breaking = new InputStream() {
			int at;

			@Override
			public int read() throws IOException {
				if (at == 25_000) {
					throw new IOException("connection reset");
				}
				return file[at++] & 0xff;
			}
		};
		assertEquals(Reason.INTERRUPTED, reason(() -> sessions.write(id, "alice", 0, -1, file.length, breaking)));
		assertEquals(25_000, sessions.find(id, "alice").orElseThrow().received());
		assertEquals(100_000, send(id, 25_000, 100_000).received());
	}

	@Test
	void sessionsSurviveARestartAndBytesPastTheDurableOnesAreCutOff() throws Exception {
		String id = sessions.create("bits", "r.bin", "alice", -1, Map.of()).id();
		send(id, 0, 30_000);
		// a crash after writing bytes the record does not count: they must not be taken as received
		Files.write(dir.resolve(UploadSessions.AREA).resolve(id).resolve(UploadSessions.DATA), new byte[5000], StandardOpenOption.APPEND);
		sessions = UploadSessions.open(dir, sessions.rules(), now::get);
		assertEquals(30_000, sessions.find(id, "alice").orElseThrow().received());
		send(id, 30_000, 100_000);
		sessions.close(id, "alice");
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("r.bin")));
	}

	@Test
	void theRecordCountsSyncedBytesOnlyAndAResumeAfterACrashStartsThere() throws Exception { // U3, U1: the server's offset
		String id = sessions.create("bits", "s.bin", "alice", -1, Map.of()).id();
		send(id, 0, 30_000); // the first to give the length: written
		assertEquals(60_000, send(id, 30_000, 60_000).received(), "acknowledged");
		sessions = UploadSessions.open(dir, sessions.rules(), now::get); // as after a crash: the record is read again
		assertEquals(30_000, sessions.find(id, "alice").orElseThrow().received(), "fewer than " + UploadSessions.SYNC_BYTES + " since the last sync");
		SessionException gap = assertThrows(SessionException.class, () -> send(id, 60_000, 100_000));
		assertEquals(Reason.OFFSET, gap.reason());
		assertEquals(30_000, gap.expected(), "the client is told where to go on");
		assertTrue(send(id, 30_000, 100_000).whole());
		sessions.close(id, "alice");
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("s.bin")));
	}

	@Test
	void theRecordIsWrittenOnceTheBytesSinceTheLastAddUpToSyncBytes() throws Exception { // U3
		long total = 100L << 20;
		int step = 8 << 20;
		byte[] zeros = new byte[step];
		String id = sessions.create("bits", "big.bin", "alice", -1, Map.of()).id();
		for (long at = 0; at < 80L << 20; at += step) {
			sessions.write(id, "alice", at, total, step, new ByteArrayInputStream(zeros));
		}
		sessions = UploadSessions.open(dir, sessions.rules(), now::get);
		// written when the first request gave the length, then once SYNC_BYTES more had come, not since
		assertEquals(step + UploadSessions.SYNC_BYTES, sessions.find(id, "alice").orElseThrow().received());
	}

	@Test
	void aCleanStopKeepsEveryAcknowledgedByte() throws Exception {
		String id = sessions.create("bits", "f.bin", "alice", -1, Map.of()).id();
		send(id, 0, 30_000);
		send(id, 30_000, 60_000);
		sessions.flush();
		sessions = UploadSessions.open(dir, sessions.rules(), now::get);
		assertEquals(60_000, sessions.find(id, "alice").orElseThrow().received());
	}

	@Test
	void aCloseRepeatedAfterACrashThatFollowedTheMoveSucceeds() throws Exception {
		String id = sessions.create("bits", "c.bin", "alice", -1, Map.of()).id();
		send(id, 0, 100_000);
		Files.move(dir.resolve(UploadSessions.AREA).resolve(id).resolve(UploadSessions.DATA), dir.resolve("c.bin"));
		sessions = UploadSessions.open(dir, sessions.rules(), now::get);
		assertEquals(dir.resolve("c.bin"), sessions.close(id, "alice"));
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("c.bin")));
	}

	@Test
	void closeRefusesAnIncompleteUploadAndCancelDeletesEverything() throws Exception {
		String id = sessions.create("bits", "x.bin", "alice", -1, Map.of()).id();
		send(id, 0, 10_000);
		assertEquals(Reason.INCOMPLETE, reason(() -> sessions.close(id, "alice")));
		sessions.cancel(id, "alice");
		assertFalse(Files.exists(dir.resolve("x.bin")));
		try (var left = Files.list(dir.resolve(UploadSessions.AREA))) {
			assertEquals(0, left.count(), "nothing left of the session");
		}
	}

	@Test
	void withoutOverwriteAnExistingFileIsNeverReplaced() throws Exception {
		Files.writeString(dir.resolve("taken.bin"), "old");
		assertEquals(Reason.EXISTS, reason(() -> sessions.create("bits", "taken.bin", "alice", -1, Map.of())));
		String id = sessions.create("bits", "late.bin", "alice", -1, Map.of()).id();
		send(id, 0, 100_000);
		Files.writeString(dir.resolve("late.bin"), "arrived meanwhile");
		assertEquals(Reason.EXISTS, reason(() -> sessions.close(id, "alice")));
		assertEquals("arrived meanwhile", Files.readString(dir.resolve("late.bin")));
		sessions.rules(new UploadSessions.Rules(0, 14 * DAY, true, 3));
		sessions.close(id, "alice");
		assertArrayEquals(file, Files.readAllBytes(dir.resolve("late.bin")), "replaced once the endpoint overwrites");
	}

	@Test
	void namesStayUnderTheDirectory() throws Exception {
		Path outside = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-outside"));
		Files.createSymbolicLink(dir.resolve("link"), outside);
		Files.createDirectories(dir.resolve("sub"));
		for (String bad : new String[] { "../x", "a//b", "./x", UploadSessions.AREA + "/x", "missing/x", "link/x", "x\u0000y", "a\\b", "" }) {
			assertEquals(Reason.BAD_NAME, reason(() -> sessions.create("bits", bad, "alice", -1, Map.of())), bad);
		}
		assertEquals("sub/ok.bin", sessions.create("bits", "sub/ok.bin", "alice", -1, Map.of()).name());
	}

	@Test
	void sessionsAreTheirOwnersAloneAndCountedPerOwner() throws Exception {
		String id = sessions.create("bits", "a1", "alice", -1, Map.of()).id();
		assertTrue(sessions.find(id, "bob").isEmpty());
		assertEquals(Reason.NOT_FOUND, reason(() -> sessions.cancel(id, "bob")));
		sessions.create("bits", "a2", "alice", -1, Map.of());
		sessions.create("bits", "a3", "alice", -1, Map.of());
		assertEquals(Reason.TOO_MANY, reason(() -> sessions.create("bits", "a4", "alice", -1, Map.of())));
		sessions.create("bits", "b1", "bob", -1, Map.of());
	}

	@Test
	void aSessionWithoutARequestForTheTimeoutIsDropped() throws Exception {
		String idle = sessions.create("bits", "idle", "alice", -1, Map.of()).id();
		now.addAndGet(10 * DAY);
		String busy = sessions.create("bits", "busy", "alice", -1, Map.of()).id();
		now.addAndGet(5 * DAY);
		assertEquals(1, sessions.expire());
		assertTrue(sessions.find(idle, "alice").isEmpty());
		assertTrue(sessions.find(busy, "alice").isPresent());
		assertFalse(Files.exists(dir.resolve(UploadSessions.AREA).resolve(idle)));
	}

	@Test
	void anAnswerKeepsItsReplyUntilTheSessionEndsAndMayKeepTheFileFromItsPlace() throws Exception {
		String id = sessions.create("bits", "answered.bin", "alice", -1, Map.of()).id();
		send(id, 0, 100_000);
		sessions.answerOnce(id, "alice", whole -> new ApplicationNotification.Answer("thanks".getBytes(), null, false));
		assertEquals("thanks", Files.readString(sessions.reply(id, "alice").orElseThrow()));
		sessions.answerOnce(id, "alice", whole -> {
			throw new AssertionError("asked again");
		});
		assertEquals("thanks", Files.readString(sessions.reply(id, "alice").orElseThrow()));
		assertTrue(sessions.reply(id, "bob").isEmpty());
		sessions.close(id, "alice");
		assertFalse(Files.exists(dir.resolve("answered.bin")), "the listener kept the file from its place");
		assertTrue(sessions.reply(id, "alice").isEmpty());
	}
}
