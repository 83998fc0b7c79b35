package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * SPEC U1 and U3 end to end, in two distribution JVMs: one engine uploads a file to another's upload endpoint, is
 * killed with SIGKILL mid-upload, and {@code ./bits wait} and {@code ./bits complete} on its store finish the upload in
 * the same session, from the server's offset. The file at the server is byte-identical.
 */
class UploadKillNineTest {
	private static final int SIZE = 64 << 20;

	@TempDir
	Path tmp;

	private byte[] data;
	private Path source;
	private Path received;
	private Path sessions;
	/** The uploading engine's store, and its configuration directory. */
	private Path client;
	private Path clientConfig;

	@BeforeEach
	void files() throws Exception {
		data = new byte[SIZE];
		new Random(7).nextBytes(data);
		Path sources = Files.createDirectories(tmp.resolve("sources"));
		source = Files.write(sources.resolve("up.bin"), data);
		received = Files.createDirectories(tmp.resolve("received"));
		sessions = received.resolve(".bits-sessions");
		client = tmp.resolve("client");
		clientConfig = Files.createDirectories(client.resolve("config"));
		// 8 MiB/s for a NORMAL job: one 8 MiB fragment a second, so the kill comes mid-upload
		Files.writeString(clientConfig.resolve("bits.engine.cfg"), "file.roots=" + sources + "\nbackground.bandwidth=8388608\n");
	}

	/** Starts the uploading engine (its framework where ./bits keeps it: the key that seals the header is in its data area) and the upload job "up". */
	private EngineProcess uploader(EngineProcess.UploadEndpoint receiver, String log, String... more) throws Exception {
		EngineProcess engine = new EngineProcess(client, clientConfig, client.resolve("framework"), tmp.resolve(log));
		engine.send("bits:create --type upload up", "bits:addfile up " + receiver.url("up.bin") + " " + source,
				"bits:setcustomheaders up \"Authorization: Bearer " + receiver.token() + "\"");
		engine.send(more);
		engine.send("bits:resume up");
		return engine;
	}

	@Test
	void aKilledClientGoesOnInItsSessionFromTheServersOffset() throws Exception {
		try (EngineProcess.UploadEndpoint receiver = EngineProcess.UploadEndpoint.start(tmp.resolve("server"), received, tmp.resolve("server.log"))) {
			EngineProcess first = uploader(receiver, "first.log");
			long killAt = (16L << 20) + new Random().nextInt(16 << 20);
			first.await(() -> received(sessions) >= killAt, () -> "no upload: " + first.log() + receiver.engine().log());
			List<Path> before = list(sessions);
			first.kill();
			assertEquals(1, before.size(), "one session");
			long atKill = received(sessions);
			assertFalse(Files.exists(received.resolve("up.bin")), "nothing in place before complete()");

			String log = BitsWrapper.run(client, tmp.resolve("wait.log"), "wait", "up");
			log += BitsWrapper.run(client, tmp.resolve("complete.log"), "complete", "up");
			assertTrue(Files.exists(received.resolve("up.bin")), "completed: " + log);
			assertEquals(sha256(data), sha256(Files.readAllBytes(received.resolve("up.bin"))));
			assertEquals(List.of(), list(sessions), "Close-Session ended the session");
			System.out.println("U1: killed with " + atKill + " of " + SIZE + " bytes at the server; session " + before.get(0).getFileName()
					+ " went on to the end");
		}
	}

	@Test
	void aKilledServerGoesOnInTheSameSessionFromTheBytesItKept() throws Exception { // U3: the record counts synced bytes only
		Path server = tmp.resolve("server");
		int port = Nginx.freePort();
		EngineProcess.UploadEndpoint receiver = EngineProcess.UploadEndpoint.start(server, received, tmp.resolve("server-1.log"), port);
		// retried every second while the server is down (a failure without progress waits the minimum retry delay)
		try (EngineProcess uploader = uploader(receiver, "client.log", "bits:setminretrydelay up 1")) {
			long killAt = (16L << 20) + new Random().nextInt(16 << 20);
			uploader.await(() -> received(sessions) >= killAt, () -> "no upload: " + uploader.log());
			List<Path> before = list(sessions);
			receiver.engine().kill();
			long atKill = received(sessions);
			long kept = new com.fasterxml.jackson.databind.ObjectMapper().readTree(before.get(0).resolve("session.json").toFile()).get("received").asLong();
			assertTrue(kept < atKill, "the record counts synced bytes only: " + kept + " of " + atKill + " written");
			receiver = EngineProcess.UploadEndpoint.start(server, received, tmp.resolve("server-2.log"), port);
			uploader.send("bits:wait up", "bits:complete up");
			uploader.await(() -> Files.exists(received.resolve("up.bin")), () -> "not completed: " + uploader.log());
			assertEquals(sha256(data), sha256(Files.readAllBytes(received.resolve("up.bin"))));
			assertEquals(1, before.size(), "one session");
			assertEquals(List.of(), list(sessions), "Close-Session ended the session, the one from before the kill");
			System.out.println("U3: the server killed with " + atKill + " of " + SIZE + " bytes received, its record counting " + kept + "; session "
					+ before.get(0).getFileName() + " went on from there");
		} finally {
			receiver.close();
		}
	}

	/** @return the bytes the server holds in its one session, 0 if none */
	static long received(Path sessions) {
		try {
			long n = 0;
			for (Path s : list(sessions)) {
				Path data = s.resolve("data");
				n += Files.exists(data) ? Files.size(data) : 0;
			}
			return n;
		} catch (Exception e) {
			return 0;
		}
	}

	/** @return the sessions open in {@code dir} (not the notes of closed ones) */
	static List<Path> list(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(Files::isDirectory).toList();
		}
	}

	static String sha256(byte[] data) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
	}
}
