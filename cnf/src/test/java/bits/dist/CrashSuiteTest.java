package bits.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import bits.engine.itest.Nginx;

/**
 * The crash suite (issue 7; SPEC J7, N7, H4): each trial starts the distribution jar on a fresh store with three jobs
 * — a FOREGROUND download whose notify-command handler records its notifications, a background job of small files
 * whose handler (installed on demand from the samples index) calls complete(), and a job that will be cancelled —
 * kills it with SIGKILL at a random moment, restarts it, and checks: every job still present, the final files
 * byte-identical, no temporary file left after complete and cancel, and every terminal notification delivered at
 * least once. Prints "K/K intact". Trials: {@code -Dcrash.trials=N} (10 by default; 100 for the full run).
 */
class CrashSuiteTest {
	private static final int BIG = 16 << 20;
	private static final int SMALL = 64 << 10;
	private static final int SMALL_FILES = 10;
	private static final String TRANSFERRED = "'TRANSFERRED'"; // states are stored by name (schema 5)
	private static final String JOBS = "SELECT display_name, id, state, priority, error_code, error_description, notify_error_description,"
			+ " (SELECT count(*) FROM outbox o WHERE o.job = job.id) FROM job";

	/** Notifications not yet acknowledged by a handler ('doomed' has none: its notice waits for a callback, SPEC N7). */
	private static final String PENDING = "SELECT count(*) FROM outbox o JOIN job j ON o.job = j.id WHERE j.display_name != 'doomed'";

	@TempDir
	Path tmp;

	@Test
	void everyTrialIsIntactAfterAKillAtARandomMoment() throws Exception {
		int trials = Integer.getInteger("crash.trials", 10);
		long seed = Long.getLong("crash.seed", System.nanoTime());
		Random random = new Random(seed);
		System.out.println("crash suite: " + trials + " trials, seed " + seed + " (-Dcrash.seed repeats the kill times)");
		byte[] big = bytes(BIG, 1);
		byte[] small = bytes(SMALL, 2);
		Map<String, Integer> moments = new TreeMap<>();
		List<String> broken = new ArrayList<>();
		try (Nginx nginx = Nginx.start(tmp)) {
			Files.write(nginx.root.resolve("files/big.bin"), big);
			Files.write(nginx.root.resolve("files/doomed.bin"), big);
			for (int i = 0; i < SMALL_FILES; i++) {
				Files.write(nginx.root.resolve("files/s" + i + ".bin"), small);
			}
			for (int t = 1; t <= trials; t++) {
				// odd trials aim at the small job (done within ~1 s: its transfer, its handler's provisioning and complete()),
				// even ones at the whole run (the big download, its notification)
				long killAfter = random.nextInt(t % 2 == 1 ? 1000 : 2500);
				Trial trial = new Trial(tmp.resolve("trial-" + t), nginx);
				List<String> labels = trial.run(killAfter);
				labels.forEach(l -> moments.merge(l, 1, Integer::sum));
				List<String> problems = trial.check(big, small);
				System.out.println("crash trial " + t + ": SIGKILL " + killAfter + " ms after the jobs were set up, " + labels + ": "
						+ (problems.isEmpty() ? "intact" : "BROKEN " + problems));
				if (!problems.isEmpty()) {
					broken.add("trial " + t + ": " + problems);
				}
			}
		}
		System.out.println("crash suite: the moments the kills found, over all trials: " + moments);
		System.out.println("crash suite: " + (trials - broken.size()) + "/" + trials + " intact (seed " + seed + ")");
		assertEquals(List.of(), broken, "seed " + seed);
	}

	/** One store, one engine killed and one restarted. */
	private static final class Trial {
		private final Path dir;
		private final Path store;
		private final Path out;
		private final Path notified;
		private final Nginx nginx;

		Trial(Path dir, Nginx nginx) throws IOException {
			this.dir = Files.createDirectories(dir);
			this.store = dir.resolve("store");
			this.out = Files.createDirectories(dir.resolve("out"));
			this.notified = dir.resolve("notified.log");
			this.nginx = nginx;
			Path config = Files.createDirectories(dir.resolve("config"));
			Path index = Path.of(System.getProperty("bits.samples.index")).toAbsolutePath().normalize();
			Files.writeString(config.resolve("bits.engine.cfg"), "handler.repositories=" + index.toUri() + "\n");
			Files.writeString(config.resolve("bits.samples.notifycommand.cfg"),
					"command=[\"sh\",\"-c\",\"echo %NAME% %STATE% >> " + notified + "\"]\n");
		}

		private EngineProcess engine(String log) throws IOException {
			return new EngineProcess(store, dir.resolve("config"), dir.resolve("framework"), dir.resolve(log));
		}

		/** Sets the jobs up, kills the engine after {@code killAfter} ms, and names what the kill interrupted. */
		List<String> run(long killAfter) throws Exception {
			Path list = dir.resolve("small.txt");
			StringBuilder lines = new StringBuilder();
			for (int i = 0; i < SMALL_FILES; i++) {
				lines.append(nginx.uri("/files/s" + i + ".bin")).append(' ').append(out.resolve("s" + i + ".bin")).append('\n');
			}
			Files.writeString(list, lines);
			EngineProcess first = engine("1.log");
			first.send("bits:create big", "bits:addfile big " + nginx.uri("/limited/big.bin") + " " + out.resolve("big.bin"),
					"bits:setpriority big FOREGROUND", "bits:sethandler big bits.samples.notifycommand", "bits:resume big",
					"bits:create small", "bits:addfileset small " + list, "bits:sethandler small bits.samples.complete", "bits:resume small",
					"bits:create doomed", "bits:addfile doomed " + nginx.uri("/limited/doomed.bin") + " " + out.resolve("doomed.bin"),
					"bits:setpriority doomed FOREGROUND", "bits:resume doomed", "echo setup-done");
			first.await(() -> first.log().contains("setup-done"));
			Thread.sleep(killAfter);
			first.kill();
			return moment();
		}

		/** What the store and the framework cache say was going on when the engine died. */
		private List<String> moment() throws IOException {
			List<String> labels = new ArrayList<>();
			if (count("SELECT count(*) FROM job WHERE state IN ('QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSIENT_ERROR')") > 0) {
				labels.add("transfer");
			}
			if (count("SELECT count(*) FROM outbox") > 0) {
				labels.add("notification pending");
			}
			boolean smallDone = count("SELECT count(*) FROM job WHERE display_name = 'small'") == 0;
			boolean installed = handlerInstalled("bits.samples.complete");
			if (!smallDone && count("SELECT count(*) FROM job WHERE display_name = 'small' AND state = " + TRANSFERRED) > 0) {
				labels.add(installed ? "handler installed, complete() pending" : "handler not yet provisioned");
			}
			if (smallDone) {
				labels.add("after complete()");
			} else if (Files.exists(out.resolve("s0.bin"))) {
				labels.add("during complete()"); // some files renamed, the job not yet acknowledged
			}
			return labels;
		}

		private boolean handlerInstalled(String symbolicName) throws IOException {
			Path cache = dir.resolve("framework");
			if (!Files.isDirectory(cache)) {
				return false;
			}
			try (Stream<Path> s = Files.walk(cache, 2)) {
				return s.filter(p -> p.getFileName().toString().equals("bundle.location")).anyMatch(p -> {
					try {
						return Files.readString(p).contains(symbolicName);
					} catch (IOException e) {
						return false;
					}
				});
			}
		}

		private long count(String sql) {
			return StoreQueries.queryLong(store, sql);
		}

		/** Restarts the engine, lets it finish, completes and cancels, and lists what is not as it must be. */
		List<String> check(byte[] big, byte[] small) throws Exception {
			List<String> problems = new ArrayList<>();
			long jobs = count("SELECT count(*) FROM job");
			// its handler completed it before the kill: then every file is in place. A kill inside complete() leaves some
			// files renamed and the job in the store, which the restarted engine completes (the notification is repeated)
			boolean smallDone = count("SELECT count(*) FROM job WHERE display_name = 'small'") == 0;
			if (jobs != (smallDone ? 2 : 3)) {
				problems.add(jobs + " jobs in the store after the kill");
			}
			for (int i = 0; smallDone && i < SMALL_FILES; i++) {
				if (!Files.exists(out.resolve("s" + i + ".bin"))) {
					problems.add("the small job was acknowledged but s" + i + ".bin is not in place");
				}
			}
			try (EngineProcess second = engine("2.log")) {
				second.await(() -> count("SELECT count(*) FROM job WHERE display_name = 'small'") == 0
						&& count("SELECT count(*) FROM job WHERE display_name IN ('big', 'doomed') AND state = " + TRANSFERRED) == 2
						&& notifiedLines().contains("big TRANSFERRED") && count(PENDING) == 0,
						() -> "the restarted engine did not finish: jobs " + count("SELECT count(*) FROM job") + ", outbox "
								+ count(PENDING) + ", notified " + notifiedLines() + "\n" + StoreQueries.queryRows(store, JOBS)
								+ StoreQueries.queryRows(store, "SELECT job, idx, bytes_total, bytes_transferred, completed FROM file") + second.log()
								+ "\nfirst engine:\n" + tail(dir.resolve("1.log")));
				second.send("bits:complete big", "bits:cancel doomed", "echo finished");
				second.await(() -> second.log().contains("finished") && count("SELECT count(*) FROM job") == 0);
			}
			if (!sha256(big).equals(sha256(out.resolve("big.bin")))) {
				problems.add("big.bin differs");
			}
			for (int i = 0; i < SMALL_FILES; i++) {
				if (!sha256(small).equals(sha256(out.resolve("s" + i + ".bin")))) {
					problems.add("s" + i + ".bin differs");
				}
			}
			if (Files.exists(out.resolve("doomed.bin"))) {
				problems.add("a cancelled job's file exists");
			}
			try (Stream<Path> s = Files.list(out)) {
				List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bits-tmp")).toList();
				if (!left.isEmpty()) {
					problems.add("temporary files left: " + left);
				}
			}
			return problems;
		}

		private String notifiedLines() {
			try {
				return Files.exists(notified) ? Files.readString(notified) : "";
			} catch (IOException e) {
				return "";
			}
		}
	}

	private static String tail(Path log) {
		try {
			String text = Files.readString(log);
			return text.substring(Math.max(0, text.length() - 4000));
		} catch (IOException e) {
			return e.toString();
		}
	}

	private static byte[] bytes(int n, long seed) {
		byte[] b = new byte[n];
		new Random(seed).nextBytes(b);
		return b;
	}

	private static String sha256(Path file) throws Exception {
		return Files.exists(file) ? sha256(Files.readAllBytes(file)) : "missing";
	}

	private static String sha256(byte[] data) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
	}
}
