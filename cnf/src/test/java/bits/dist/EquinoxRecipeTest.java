package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import bits.engine.itest.Nginx;

/**
 * The Eclipse RCP / Equinox recipe (issue 14): the target platform cnf/equinox/bits.target, whose Maven locations an
 * RCP developer adds to their target. Its bundles are resolved from Maven as PDE's m2e location resolves them (each
 * artifact, no transitive dependencies), launched on Equinox with a config.ini as an Eclipse launch writes one, and
 * the {@code bits:} commands run in Equinox's own console (on a telnet port of the loopback: its console on stdin
 * needs a terminal).
 */
class EquinoxRecipeTest {
	/** Shared by the tests: the target's bundles are resolved once. */
	@TempDir
	static Path tmp;
	private static List<Artifact> target;
	private static Path plugins;

	private record Artifact(String groupId, String artifactId, String version) {
	}

	@Test
	void theTargetPlatformsBundlesStartBitsOnEquinoxAndItsConsoleRunsTheCommands() throws Exception {
		resolveTarget();
		assertTrue(target.contains(new Artifact("io.github.bitsosgi", "bits.engine", Maven.property("bits.version"))), "the target names this build's engine: " + target);
		assertTrue(target.contains(new Artifact("io.github.bitsosgi", "bits.api", Maven.property("bits.api.version"))), "the target names this build's API: " + target);

		Path configuration = configuration("recipe", "");
		Path store = tmp.resolve("recipe-store");
		Path log = tmp.resolve("recipe.log");
		int port = Nginx.freePort();
		Process equinox = launch(configuration, store, port, log);
		try {
			String out;
			try (TelnetConsole console = connect(equinox, port, log)) {
				await(equinox, () -> console.text().contains("g! "), () -> "no console prompt: " + console.text() + read(log));
				out = run(equinox, console, "bits:create recipe", "bits:list --all", "help bits:create", "help lb", "bits:create --help",
						"bits:list -h", "bits:list --all");
			}
			assertTrue(out.contains("usage: bits:create [options] <display name>") && out.contains("usage: bits:list [options]"), out);
			assertFalse(out.contains("Cannot coerce") || out.contains("Exception"), out);
			// the job created first, and no other: help created none
			// bits:list's entries, wherever they are in a line: the telnet console may print the echo of the next command
			// line ("echo mark-N") before a command's output ends
			List<String> listed = Pattern.compile("[0-9a-f]{8}-[0-9a-f-]{27} [A-Z_]+ [^\n]*").matcher(out).results().map(MatchResult::group)
					.toList();
			assertEquals(2, listed.size(), out); // bits:list --all, before and after
			assertTrue(listed.stream().allMatch(l -> l.contains("SUSPENDED") && l.contains("\"recipe\"")), out);
		} finally {
			equinox.destroyForcibly();
			equinox.waitFor(30, TimeUnit.SECONDS);
		}
	}

	/**
	 * Issue 18 (SPEC U1) on Equinox: an upload job in an RCP-style launch, to an upload endpoint of the distribution;
	 * Equinox killed with SIGKILL mid-upload and launched again goes on in the same session from the server's offset,
	 * and the file at the server is byte-identical.
	 */
	@Test
	void anUploadJobOnEquinoxKilledMidUploadGoesOnInItsSession() throws Exception {
		resolveTarget();
		byte[] data = new byte[64 << 20];
		new Random(18).nextBytes(data);
		Path sources = Files.createDirectories(tmp.resolve("up-sources"));
		Path source = Files.write(sources.resolve("rcp.bin"), data);
		Path received = Files.createDirectories(tmp.resolve("up-received"));
		Path sessions = received.resolve(".bits-sessions");
		// the engine's configuration as an RCP application ships it: ConfigAdmin's own store, seeded (felix.cm.dir);
		// 8 MiB/s for a NORMAL job, so that the kill comes mid-upload
		Path cm = Files.createDirectories(tmp.resolve("up-cm/bits"));
		Files.writeString(cm.resolve("engine.config"), "service.pid=\"bits.engine\"\nfile.roots=[\"" + sources + "\"]\n"
				+ "background.bandwidth=L\"8388608\"\n");
		Path configuration = configuration("up", "felix.cm.dir=" + tmp.resolve("up-cm") + "\n");
		Path store = tmp.resolve("up-store");
		try (EngineProcess.UploadEndpoint receiver = EngineProcess.UploadEndpoint.start(tmp.resolve("up-server"), received, tmp.resolve("up-server.log"))) {
			int port = Nginx.freePort();
			Path log = tmp.resolve("up-1.log");
			Process first = launch(configuration, store, port, log);
			long atKill;
			try (TelnetConsole console = connect(first, port, log)) {
				await(first, () -> console.text().contains("g! "), () -> "no console prompt: " + console.text() + read(log));
				run(first, console, "bits:create --type upload up", "bits:addfile up " + receiver.url("rcp.bin") + " " + source,
						"bits:setcustomheaders up \"Authorization: Bearer " + receiver.token() + "\"", "bits:resume up");
				long killAt = (16L << 20) + new Random().nextInt(16 << 20);
				await(first, () -> UploadKillNineTest.received(sessions) >= killAt, () -> "no upload: " + console.text() + read(log));
				first.destroyForcibly(); // SIGKILL
				assertTrue(first.waitFor(30, TimeUnit.SECONDS));
				atKill = UploadKillNineTest.received(sessions);
			}
			List<Path> before = UploadKillNineTest.list(sessions);
			assertEquals(1, before.size(), "one session");
			assertFalse(Files.exists(received.resolve("rcp.bin")), "nothing in place before complete()");

			Path log2 = tmp.resolve("up-2.log");
			Process second = launch(configuration, store, port, log2);
			try (TelnetConsole console = connect(second, port, log2)) {
				await(second, () -> console.text().contains("g! "), () -> "no console prompt: " + console.text() + read(log2));
				String out = run(second, console, "bits:wait up", "bits:complete up");
				assertTrue(Files.exists(received.resolve("rcp.bin")), "completed: " + out + read(log2));
			} finally {
				second.destroyForcibly();
				second.waitFor(30, TimeUnit.SECONDS);
			}
			assertEquals(UploadKillNineTest.sha256(data), UploadKillNineTest.sha256(Files.readAllBytes(received.resolve("rcp.bin"))));
			assertEquals(List.of(), UploadKillNineTest.list(sessions), "Close-Session ended the session, the one from before the kill");
			System.out.println("U1 on Equinox: killed with " + atKill + " of " + data.length + " bytes at the server; session "
					+ before.get(0).getFileName() + " went on to the end");
		}
	}

	/** The target's Maven locations, each artifact by its coordinates, as PDE's m2e location resolves them (once). */
	private static synchronized void resolveTarget() throws Exception {
		if (plugins != null) {
			return;
		}
		target = mavenLocations(Path.of(Maven.property("bits.equinox.target")));
		Path project = Files.createDirectories(tmp.resolve("resolve"));
		Files.writeString(project.resolve("pom.xml"), """
				<project xmlns="http://maven.apache.org/POM/4.0.0">
				  <modelVersion>4.0.0</modelVersion>
				  <groupId>com.example</groupId><artifactId>rcp-target</artifactId><version>1.0.0</version><packaging>pom</packaging>
				  <dependencies>%s</dependencies>
				</project>
				""".formatted(target.stream().map(a -> "<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>"
				.formatted(a.groupId, a.artifactId, a.version)).collect(Collectors.joining("\n"))));
		Path resolved = tmp.resolve("plugins");
		Maven.run(project, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies", "-DexcludeTransitive=true",
				"-DoutputDirectory=" + resolved);
		plugins = resolved;
	}

	private static Path framework() {
		return plugins.resolve("org.eclipse.osgi-" + version(target, "org.eclipse.osgi") + ".jar");
	}

	/** An Eclipse launch's configuration area: every bundle but the framework started; {@code extra} lines added. */
	private static Path configuration(String name, String extra) throws IOException {
		List<String> bundles = new ArrayList<>();
		try (var jars = Files.list(plugins)) {
			jars.filter(j -> !j.equals(framework())).sorted().forEach(j -> bundles.add("reference:" + j.toUri() + "@start"));
		}
		Path configuration = Files.createDirectories(tmp.resolve(name + "-configuration"));
		Files.writeString(configuration.resolve("config.ini"), "osgi.bundles=" + String.join(",", bundles) + "\n"
				+ "osgi.bundles.defaultStartLevel=4\neclipse.ignoreApp=true\nosgi.noShutdown=true\n"
				// Equinox's console takes stdin; Gogo's own shell (which it requires) must not read it too
				+ "gosh.args=--nointeractive\n" + extra);
		return configuration;
	}

	/** Equinox with its console on a telnet port of the loopback (its console on stdin needs a terminal), on {@code store}. */
	private static Process launch(Path configuration, Path store, int port, Path log) throws Exception {
		String java = ProcessHandle.current().info().command().orElse("java");
		Process equinox = new ProcessBuilder(java, "-Dbits.store.directory=" + store, "-jar", framework().toString(), "-configuration",
				configuration.toString(), "-console", "127.0.0.1:" + port, "-consoleLog").redirectErrorStream(true).redirectOutput(log.toFile())
				.start();
		// the store's lock holds this process's pid once its engine has the store (a killed one's lock file stays)
		await(equinox, () -> read(store.resolve("bits.lock")).trim().equals(Long.toString(equinox.pid())),
				() -> "the engine opened no store: " + read(log));
		return equinox;
	}

	private static TelnetConsole connect(Process equinox, int port, Path log) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (true) {
			try {
				return new TelnetConsole(port);
			} catch (ConnectException e) {
				assertTrue(equinox.isAlive() && System.nanoTime() < deadline, () -> "no console on port " + port + ": " + read(log));
				Thread.sleep(50);
			}
		}
	}

	/** Types each command, then an echo of a mark that is waited for, into Equinox's console; returns all it showed. */
	private static String run(Process equinox, TelnetConsole console, String... commands) throws Exception {
		for (int i = 0; i < commands.length; i++) {
			String mark = "mark-" + i;
			console.type(commands[i]);
			console.type("echo " + mark);
			await(equinox, () -> console.text().lines().anyMatch(l -> l.equals(mark) || l.equals("g! " + mark)), () -> "no " + mark + ": " + console.text());
		}
		return console.text();
	}

	private static List<Artifact> mavenLocations(Path target) throws Exception {
		var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(target.toFile());
		List<Artifact> result = new ArrayList<>();
		NodeList locations = doc.getElementsByTagName("location");
		for (int i = 0; i < locations.getLength(); i++) {
			Element location = (Element) locations.item(i);
			if (!"Maven".equals(location.getAttribute("type"))) {
				continue;
			}
			NodeList deps = location.getElementsByTagName("dependency");
			for (int j = 0; j < deps.getLength(); j++) {
				Element d = (Element) deps.item(j);
				result.add(new Artifact(child(d, "groupId"), child(d, "artifactId"), child(d, "version")));
			}
		}
		return result;
	}

	private static String child(Element e, String name) {
		return e.getElementsByTagName(name).item(0).getTextContent().strip();
	}

	private static String version(List<Artifact> target, String artifactId) {
		return target.stream().filter(a -> a.artifactId.equals(artifactId)).findFirst().orElseThrow().version;
	}

	private static void await(Process p, BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
		while (!condition.getAsBoolean()) {
			assertTrue(p.isAlive(), () -> "Equinox ended: " + what.get());
			assertTrue(System.nanoTime() < deadline, what);
			Thread.sleep(50);
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
