package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * SPEC H4 (with H3, H6) across real engine restarts of the distribution jar: a job that reached TRANSFERRED while its
 * handler could not be installed reaches the handler after a kill -9 and a restart; and a job pending when its
 * handler bundle had been stopped reaches it after a restart, the bundle being found again through its capability
 * in the kept framework cache, not installed a second time.
 */
class HandlerRestartTest {
	private static final String HANDLER = "bits.samples.complete"; // calls complete(): the file appears at its destination

	@TempDir
	Path tmp;

	@Test
	void aJobReachesItsHandlerAfterRestarts() throws Exception {
		byte[] data = new byte[1 << 20];
		new Random(11).nextBytes(data);
		Path store = tmp.resolve("store");
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path index = repositoryCopy();
		Path jar = index.resolveSibling("bundles/bits.samples.complete-0.1.0-SNAPSHOT.jar");
		byte[] good = Files.readAllBytes(jar);
		Files.write(jar, new byte[] { 0 }, StandardOpenOption.APPEND); // its SHA-256 no longer matches the index
		Path config = Files.createDirectories(tmp.resolve("config"));
		Files.writeString(config.resolve("bits.engine.cfg"), "handler.repositories=" + index.toUri() + "\n");
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/a.bin"), data);
			Files.write(nginx.root.resolve("files/b.bin"), data);

			// 1. the job finishes; its handler cannot be installed (hash mismatch): recorded on the job (H6)
			EngineProcess first = engine(store, "1.log");
			first.send("bits:create a", "bits:addfile a " + nginx.uri("/files/a.bin") + " " + out.resolve("a.bin"),
					"bits:setpriority a FOREGROUND", "bits:sethandler a " + HANDLER, "bits:resume a");
			first.await(() -> StoreQueries.queryLong(store, "SELECT count(*) FROM job WHERE state = 'TRANSFERRED' AND notify_error_description LIKE '%SHA-256%'") == 1);
			first.kill();
			assertFalse(Files.exists(out.resolve("a.bin")));

			// 2. the repository is repaired; after the restart the handler is installed and called (H4)
			Files.write(jar, good);
			EngineProcess second = engine(store, "2.log");
			second.await(() -> Files.exists(out.resolve("a.bin")));
			assertArrayEquals(data, Files.readAllBytes(out.resolve("a.bin")));
			second.await(() -> StoreQueries.queryLong(store, "SELECT count(*) FROM job") == 0);

			// 3. a job is transferring (slowly) when the handler bundle is stopped and the engine killed
			second.send("bits:create b", "bits:addfile b " + nginx.uri("/slow/b.bin") + " " + out.resolve("b.bin"),
					"bits:setpriority b FOREGROUND", "bits:sethandler b " + HANDLER, "bits:resume b", "stop " + HANDLER,
					"lb -s " + HANDLER, "echo handler-stopped");
			second.await(() -> second.log().contains("handler-stopped"));
			assertTrue(second.log().matches("(?s).*\\|Resolved\\s*\\|.*" + HANDLER + ".*"), second.log());
			second.kill();

			// 4. after the restart the job finishes and the installed, stopped bundle is started, not installed again
			Files.delete(jar); // proof: the repository is not used any more
			EngineProcess third = engine(store, "3.log");
			third.await(() -> Files.exists(out.resolve("b.bin")));
			assertArrayEquals(data, Files.readAllBytes(out.resolve("b.bin")));
			third.send("lb -s " + HANDLER, "echo listed");
			third.await(() -> third.log().contains("listed"));
			assertTrue(third.log().matches("(?s).*\\|Active\\s*\\|.*" + HANDLER + ".*"), third.log());
			third.close();
		}
	}

	private EngineProcess engine(Path store, String log) throws IOException {
		return new EngineProcess(store, tmp.resolve("config"), tmp.resolve("framework"), tmp.resolve(log));
	}

	private Path repositoryCopy() throws IOException {
		Path samples = Path.of(System.getProperty("bits.samples.index")).toAbsolutePath().normalize();
		Path copy = tmp.resolve("repo");
		FileUtils.copyDirectory(samples.getParent().toFile(), copy.toFile());
		return copy.resolve("index.xml");
	}
}
