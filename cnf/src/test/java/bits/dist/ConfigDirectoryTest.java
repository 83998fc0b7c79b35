package bits.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's FileInstall takes configuration (.cfg) from STORE/config and nothing else: by default it would
 * install and start any bundle jar dropped there, code that then runs inside the engine (security: config is .cfg only).
 */
class ConfigDirectoryTest {
	private static final String DROPPED = "bits.samples.logging";

	@TempDir
	Path tmp;

	@Test
	void aBundleJarDroppedIntoTheConfigDirectoryIsNotInstalled() throws Exception {
		Path index = Path.of(System.getProperty("bits.samples.index")).toAbsolutePath().normalize();
		Path config = Files.createDirectories(tmp.resolve("config"));
		Files.copy(index.resolveSibling("bundles/" + DROPPED + "-0.1.0-SNAPSHOT.jar"), config.resolve(DROPPED + ".jar"));
		EngineProcess engine = new EngineProcess(tmp.resolve("store"), config, tmp.resolve("framework"), tmp.resolve("engine.log"));
		engine.send("echo started");
		engine.await(() -> engine.log().contains("started"));
		// a .cfg written after the start is taken by a later scan than the one that saw the jar: once it has effect,
		// the jar has had its chance to be installed
		Files.writeString(config.resolve("bits.engine.cfg"), "handler.repositories=" + index.toUri() + "\n");
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
		for (int i = 0; !engine.log().contains("bits.samples.complete AVAILABLE"); i++) {
			assertTrue(System.nanoTime() < deadline, () -> "the configuration was not taken: " + engine.log());
			String mark = "listed-" + i + ".";
			engine.send("bits:handlers", "echo " + mark);
			engine.await(() -> engine.log().contains(mark));
		}
		engine.send("lb -s " + DROPPED, "echo bundles-listed");
		engine.await(() -> engine.log().contains("bundles-listed"));
		List<String> installed = engine.log().lines().filter(l -> l.contains("|") && l.contains(DROPPED)).toList();
		assertTrue(installed.isEmpty(), "installed from the config directory: " + installed);
		assertTrue(engine.log().contains(DROPPED + " AVAILABLE"), engine.log()); // known from the index only
		engine.close();
	}
}
