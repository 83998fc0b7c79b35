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
	@TempDir
	Path tmp;

	private record Artifact(String groupId, String artifactId, String version) {
	}

	@Test
	void theTargetPlatformsBundlesStartBitsOnEquinoxAndItsConsoleRunsTheCommands() throws Exception {
		List<Artifact> target = mavenLocations(Path.of(Maven.property("bits.equinox.target")));
		assertTrue(target.contains(new Artifact("io.github.bitsosgi", "bits.engine", Maven.property("bits.version"))), "the target names this build's engine: " + target);
		assertTrue(target.contains(new Artifact("io.github.bitsosgi", "bits.api", Maven.property("bits.api.version"))), "the target names this build's API: " + target);

		// the artifacts, each by its coordinates, as a Maven target location takes them
		Path project = Files.createDirectories(tmp.resolve("resolve"));
		Files.writeString(project.resolve("pom.xml"), """
				<project xmlns="http://maven.apache.org/POM/4.0.0">
				  <modelVersion>4.0.0</modelVersion>
				  <groupId>com.example</groupId><artifactId>rcp-target</artifactId><version>1.0.0</version><packaging>pom</packaging>
				  <dependencies>%s</dependencies>
				</project>
				""".formatted(target.stream().map(a -> "<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>"
				.formatted(a.groupId, a.artifactId, a.version)).collect(Collectors.joining("\n"))));
		Path plugins = tmp.resolve("plugins");
		Maven.run(project, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies", "-DexcludeTransitive=true",
				"-DoutputDirectory=" + plugins);

		// an Eclipse launch's configuration: every bundle but the framework started
		Path framework = plugins.resolve("org.eclipse.osgi-" + version(target, "org.eclipse.osgi") + ".jar");
		List<String> bundles = new ArrayList<>();
		try (var jars = Files.list(plugins)) {
			jars.filter(j -> !j.equals(framework)).sorted().forEach(j -> bundles.add("reference:" + j.toUri() + "@start"));
		}
		Path configuration = Files.createDirectories(tmp.resolve("configuration"));
		Files.writeString(configuration.resolve("config.ini"), "osgi.bundles=" + String.join(",", bundles) + "\n"
				+ "osgi.bundles.defaultStartLevel=4\neclipse.ignoreApp=true\nosgi.noShutdown=true\n"
				// Equinox's console takes stdin; Gogo's own shell (which it requires) must not read it too
				+ "gosh.args=--nointeractive\n");
		Path store = tmp.resolve("store");
		Path log = tmp.resolve("equinox.log");
		int port = Nginx.freePort();
		String java = ProcessHandle.current().info().command().orElse("java");
		// Equinox's console on a telnet port of the loopback: its console on stdin needs a terminal
		Process equinox = new ProcessBuilder(java, "-Dbits.store.directory=" + store, "-jar", framework.toString(), "-configuration",
				configuration.toString(), "-console", "127.0.0.1:" + port, "-consoleLog").redirectErrorStream(true).redirectOutput(log.toFile())
				.start();
		try {
			await(equinox, () -> Files.exists(store.resolve("bits.lock")), () -> "the engine opened no store: " + read(log));
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
