package bits.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * What a user outside the bits repository builds (issue 14): a handler project from the template, against the API
 * by its coordinates, used end to end by the distribution; and a .bndrun of their own that resolves and starts the
 * engine from the engine repository (cnf/target/repository/index.xml).
 */
class ExternalProjectsTest {
	@TempDir
	Path tmp;

	/** SPEC H1-H3 with a handler built outside the reactor: installed on demand from its own index, and called. */
	@Test
	void aHandlerProjectFromTheTemplateIsBuiltByCoordinatesAndCalled() throws Exception {
		Path project = tmp.resolve("my-handler");
		FileUtils.copyDirectory(Path.of(Maven.property("bits.handler.template")).toFile(), project.toFile(),
				f -> !f.getName().equals("target"));
		String pom = Files.readString(project.resolve("pom.xml"));
		assertTrue(pom.contains("<artifactId>bits.api</artifactId><version>${bits.api.version}</version>")
				&& pom.contains("<bits.api.version>" + Maven.property("bits.api.version") + "</bits.api.version>"),
				"the template depends on bits.api by coordinates, at the API's current version");
		// a plain dependency: the API's installed pom stands alone (no parent to fetch, no build settings)
		String version = Maven.property("bits.api.version");
		String apiPom = Files.readString(Path.of(Maven.property("bits.maven.repository"), "io/github/bitsosgi/bits.api", version, "bits.api-" + version + ".pom"));
		assertTrue(!apiPom.contains("<parent>") && apiPom.contains("<groupId>io.github.bitsosgi</groupId>"), apiPom);
		Maven.run(project, "package");
		Path index = project.resolve("target/index.xml");
		assertTrue(Files.readString(index).contains("value=\"com.example.bits.handler\""), "the index offers the handler id");

		byte[] data = new byte[300_000];
		new Random(14).nextBytes(data);
		Path store = tmp.resolve("store");
		Path out = Files.createDirectories(tmp.resolve("out"));
		Path config = Files.createDirectories(tmp.resolve("config"));
		Files.writeString(config.resolve("bits.engine.cfg"), "handler.repositories=" + index.toUri() + "\n");
		try (Nginx nginx = Nginx.start(tmp); EngineProcess engine = new EngineProcess(store, config, tmp.resolve("framework"), tmp.resolve("engine.log"))) {
			Files.write(nginx.root.resolve("files/t.bin"), data);
			engine.send("bits:create t", "bits:addfile t " + nginx.uri("/files/t.bin") + " " + out.resolve("t.bin"),
					"bits:sethandler t com.example.bits.handler", "bits:setpriority t FOREGROUND", "bits:resume t");
			// the handler's jobTransferred completes the job: only then does the file appear
			engine.await(() -> Files.exists(out.resolve("t.bin")));
			assertArrayEquals(data, Files.readAllBytes(out.resolve("t.bin")));
			engine.send("lb -s example.handler", "echo listed");
			engine.await(() -> engine.log().contains("listed"));
			assertTrue(engine.log().matches("(?s).*\\|Active\\s*\\|.*example\\.handler \\(1\\.0\\.0\\).*"), engine.log());
		}
	}

	/** A bnd project of the user's own resolves bits.engine from the engine repository, and the result runs. */
	@Test
	void aBndrunOutsideTheReactorResolvesAndStartsTheEngineFromTheEngineRepository() throws Exception {
		Path project = Files.createDirectories(tmp.resolve("my-app"));
		Path repository = Path.of(Maven.property("bits.engine.repository"));
		assertTrue(Files.exists(repository), repository + " is missing");
		// the README's snippet, as a user writes it
		Files.writeString(project.resolve("app.bndrun"), """
				-standalone: %s
				-runfw: org.apache.felix.framework;version='[7,8)'
				-runee: JavaSE-17
				-runrequires: bnd.identity;id='bits.engine',\\
				    bnd.identity;id='org.apache.felix.log'
				""".formatted(repository.toUri()));
		Files.writeString(project.resolve("pom.xml"), """
				<project xmlns="http://maven.apache.org/POM/4.0.0">
				  <modelVersion>4.0.0</modelVersion>
				  <groupId>com.example</groupId><artifactId>my-app</artifactId><version>1.0.0</version><packaging>pom</packaging>
				  <build><plugins>
				    <plugin><groupId>biz.aQute.bnd</groupId><artifactId>bnd-resolver-maven-plugin</artifactId><version>%1$s</version>
				      <configuration><bndruns><bndrun>app.bndrun</bndrun></bndruns><failOnChanges>false</failOnChanges></configuration>
				      <executions><execution><phase>package</phase><goals><goal>resolve</goal></goals></execution></executions></plugin>
				    <plugin><groupId>biz.aQute.bnd</groupId><artifactId>bnd-export-maven-plugin</artifactId><version>%2$s</version>
				      <dependencies><!-- the registry serves the export plugin up to 7.1.0: it runs on the resolver's bnd -->
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.bnd.maven</artifactId><version>%1$s</version></dependency>
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.bnd.util</artifactId><version>%1$s</version></dependency>
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.bndlib</artifactId><version>%1$s</version></dependency>
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.resolve</artifactId><version>%1$s</version></dependency>
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.repository</artifactId><version>%1$s</version></dependency>
				        <dependency><groupId>biz.aQute.bnd</groupId><artifactId>biz.aQute.bnd.embedded-repo</artifactId><version>%1$s</version></dependency>
				      </dependencies>
				      <configuration><bndruns><bndrun>app.bndrun</bndrun></bndruns></configuration>
				      <executions><execution><phase>package</phase><goals><goal>export</goal></goals></execution></executions></plugin>
				  </plugins></build>
				</project>
				""".formatted(Maven.property("bnd.version"), Maven.property("bnd.export.version")));
		Maven.run(project, "package");

		String bndrun = Files.readString(project.resolve("app.bndrun"));
		assertTrue(bndrun.contains("-runbundles:"), bndrun);
		String runbundles = bndrun.substring(bndrun.indexOf("-runbundles:"));
		for (String bsn : List.of("bits.engine;version='[" + Maven.property("bits.version").replace("-SNAPSHOT", ""),
				"bits.api;version='[" + Maven.property("bits.api.version"), "org.apache.felix.scr;", "org.xerial.sqlite-jdbc;",
				"org.apache.commons.commons-io;")) {
			assertTrue(runbundles.contains(bsn), bsn + " not in -runbundles: " + runbundles);
		}

		// the exported application starts the engine: it opens its store
		Path store = tmp.resolve("store");
		String java = ProcessHandle.current().info().command().orElse("java");
		Process app = new ProcessBuilder(java, "-Dbits.store.directory=" + store, "-jar", project.resolve("target/app.jar").toString())
				.redirectErrorStream(true).redirectOutput(tmp.resolve("app.log").toFile()).start();
		try {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			// the engine creates the lock file, then writes its pid into it: wait for both (CI at 92e7ba8 read it empty)
			while (!Files.exists(store.resolve("bits.lock")) || Files.readString(store.resolve("bits.lock")).isBlank()) {
				assertTrue(app.isAlive(), () -> "the application ended: " + read(tmp.resolve("app.log")));
				assertTrue(System.nanoTime() < deadline, () -> "no store after 60 s: " + read(tmp.resolve("app.log")));
				Thread.sleep(50);
			}
			assertEquals(Long.toString(app.pid()), Files.readString(store.resolve("bits.lock")).strip(), "the application's engine holds the store");
		} finally {
			app.destroyForcibly();
			app.waitFor(30, TimeUnit.SECONDS);
		}
	}

	private static String read(Path p) {
		try {
			return Files.readString(p);
		} catch (IOException e) {
			return e.toString();
		}
	}
}
