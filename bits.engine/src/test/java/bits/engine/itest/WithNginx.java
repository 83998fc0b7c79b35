package bits.engine.itest;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import bits.api.TransferJob;
import bits.api.TransferManager;

/** Test classes that transfer from a real nginx: one nginx per class, the configured engine, no jobs left over. */
abstract class WithNginx {
	@TempDir
	static Path tmp;
	static Nginx nginx;
	static TransferManager manager;

	@BeforeAll
	static void startNginx() throws Exception {
		nginx = Nginx.start(tmp);
		manager = Engine.configured();
	}

	@AfterAll
	static void stopNginx() throws Exception {
		nginx.close();
	}

	@AfterEach
	void cancelLeftovers() {
		manager.listJobs().forEach(TransferJob::cancel);
	}

	/** @return a destination path in the class's output directory */
	static Path dest(String name) throws Exception {
		return Files.createDirectories(tmp.resolve("out")).resolve(name);
	}
}
