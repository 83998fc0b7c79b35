package bits.engine.itest;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.postgresql.Driver;

/**
 * A real PostgreSQL server for tests, on a loopback port, its data in a temporary directory: initdb and pg_ctl from
 * Debian's postgresql package, run as the postgres user when the tests run as root (PostgreSQL refuses root). Without
 * the package the tests that need it are skipped, naming what is missing, except in CI, where they fail.
 */
public final class Postgres implements AutoCloseable {
	private static final AtomicInteger DATABASES = new AtomicInteger();
	private final Path dir;
	private final Path bin;
	private final int port;

	private Postgres(Path dir, Path bin, int port) {
		this.dir = dir;
		this.bin = bin;
		this.port = port;
	}

	public static Postgres start(Path dir) throws Exception {
		Path bin = binaries();
		boolean ci = "true".equals(System.getenv("CI"));
		if (bin == null) {
			if (ci) {
				throw new IllegalStateException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): cnf/test.sh installs it");
			}
			Assumptions.abort("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); apt-get install postgresql");
		}
		if (root()) {
			run(List.of("chown", "postgres", dir.toString()), dir);
		}
		Path data = dir.resolve("data");
		run(asOwner(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres", "--no-sync"), dir);
		int port;
		try (ServerSocket s = new ServerSocket(0)) {
			port = s.getLocalPort();
		}
		run(asOwner(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-o",
				"-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "-w", "start"), dir);
		return new Postgres(dir, bin, port);
	}

	/** @return a new, empty database's URL */
	public String newDatabase() throws SQLException {
		String name = "bits_test_" + DATABASES.incrementAndGet();
		try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
			s.execute("CREATE DATABASE " + name);
		}
		return url(name);
	}

	/** A connection to {@code database} as the superuser; the driver itself, not DriverManager, which OSGi class loaders defeat. */
	public Connection connect(String database) throws SQLException {
		Properties p = new Properties();
		p.setProperty("user", "postgres");
		return new Driver().connect(url(database), p);
	}

	public String url(String database) {
		return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
	}

	/** Restarts the server the way a crash would: {@code pg_ctl restart -m immediate} (no checkpoint; WAL recovery at start). */
	public void restartImmediately() throws Exception {
		run(asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(), "-m",
				"immediate", "-w", "restart"), dir);
	}

	@Override
	public void close() throws Exception {
		run(asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), dir);
	}

	private static Path binaries() throws IOException {
		Path base = Path.of("/usr/lib/postgresql");
		if (!Files.isDirectory(base)) {
			return null;
		}
		try (var versions = Files.list(base)) {
			return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
					.max((a, b) -> Integer.compare(major(a), major(b))).orElse(null);
		}
	}

	private static int major(Path bin) {
		try {
			return Integer.parseInt(bin.getParent().getFileName().toString());
		} catch (NumberFormatException e) {
			return 0;
		}
	}

	private static boolean root() {
		return "root".equals(System.getProperty("user.name"));
	}

	private static List<String> asOwner(String... command) {
		List<String> c = new ArrayList<>();
		if (root()) {
			c.addAll(List.of("runuser", "-u", "postgres", "--"));
		}
		c.addAll(List.of(command));
		return c;
	}

	private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
		Path log = Files.createTempFile("pg", ".out");
		Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		if (!p.waitFor(120, TimeUnit.SECONDS)) {
			p.destroyForcibly();
			throw new IOException(command + " did not end: " + Files.readString(log));
		}
		if (p.exitValue() != 0) {
			throw new IOException(command + " failed (" + p.exitValue() + "): " + Files.readString(log));
		}
		Files.delete(log);
	}
}
