package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.FileSpec;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * A FOREGROUND job fetches a few files ahead of the one in turn (issue 17, small files), and they still complete and
 * are notified in order (SPEC N12). The first file comes from nginx's slow location (256 KiB/s), the others at once.
 */
class FetchAheadIT extends WithNginx {
	/** nginx sends a second's worth of a limited rate at once: beyond it, 384 KiB take 1.5 s. */
	private static final int SLOW_BYTES = 640 << 10;

	@AfterEach
	void defaults() throws Exception {
		manager = Engine.configured();
	}

	/**
	 * Writes {@code count} files of random bytes for nginx to serve, {@code name-I.bin} of {@code size(I)} bytes.
	 *
	 * @return the files, each from {@code uri(I)} to its destination
	 */
	private static List<FileSpec> files(String name, int count, long seed, IntUnaryOperator size, IntFunction<URI> uri) throws Exception {
		Random random = new Random(seed);
		List<FileSpec> files = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			byte[] data = new byte[size.applyAsInt(i)];
			random.nextBytes(data);
			Files.write(nginx.root.resolve("files/" + name + "-" + i + ".bin"), data);
			files.add(new FileSpec(uri.apply(i), dest(name + "-" + i + ".bin")));
		}
		return files;
	}

	/** @return a FOREGROUND job of these files that notifies each file, its transfer and its error */
	private static TransferJob notifying(TransferManager m, String name, List<FileSpec> files) {
		return m.createJob(name, JobType.DOWNLOAD, j -> {
			j.addFiles(files);
			j.setPriority(JobPriority.FOREGROUND);
			j.setNotifyFlags(EnumSet.of(NotifyFlag.FILE_TRANSFERRED, NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_ERROR));
		});
	}

	/** Asserts that each destination of {@link #files} holds what nginx serves. */
	private static void assertCompleted(String name, int count) throws Exception {
		for (int i = 0; i < count; i++) {
			assertEquals(Engine.sha256(nginx.root.resolve("files/" + name + "-" + i + ".bin")), Engine.sha256(dest(name + "-" + i + ".bin")), "file " + i);
		}
	}

	/** @return the job: file 0 slow, then {@code fast} fast files, of which {@code forbidden} (if >= 0) answers 403 */
	private TransferJob job(TransferManager m, String name, int fast, int forbidden) throws Exception {
		return notifying(m, name, files(name, fast + 1, 17, i -> i == 0 ? SLOW_BYTES : 4096 + i,
				i -> nginx.uri((i == 0 ? "/slow/" : i == forbidden ? "/forbidden/" : "/files/") + name + "-" + i + ".bin")));
	}

	/** @return the indexes of the job's files in the order nginx finished serving them */
	private List<Integer> served(String name) throws Exception {
		List<Integer> order = new ArrayList<>();
		for (String line : Files.readAllLines(nginx.prefix.resolve("access.log"))) {
			String uri = line.split(" ")[0];
			String file = uri.substring(uri.lastIndexOf('/') + 1);
			if (file.startsWith(name + "-")) {
				order.add(Integer.parseInt(file.substring(name.length() + 1, file.length() - ".bin".length())));
			}
		}
		return order;
	}

	@Test
	void filesFetchedAheadCompleteAndAreNotifiedInOrder() throws Exception {
		TransferJob job = job(manager, "ahead", 6, -1);
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		job.resume();
		await("jobTransferred", () -> r.count("transferred") == 1);
		assertEquals(List.of("file 0", "file 1", "file 2", "file 3", "file 4", "file 5", "file 6", "transferred"), r.calls, "N12");
		List<Integer> served = served("ahead");
		String log = String.join("\n", Files.readAllLines(nginx.prefix.resolve("access.log")).stream().filter(l -> l.contains("ahead-")).toList())
				+ "\nerror: " + job.getError();
		// fetched ahead: the files after the slow one (4 ahead by default) were served while it still was
		assertEquals(List.of(1, 2, 3, 4), served.subList(0, 4).stream().sorted().toList(), "served in the order " + served + ":\n" + log);
		assertEquals(0, served.get(4), "served in the order " + served + ":\n" + log);
		job.complete();
		assertCompleted("ahead", 7);
	}

	/**
	 * 10 MiB of 64 KiB files: small files are made durable and recorded in groups of a checkpoint's worth (4 MiB), each
	 * beside the transfer of the files after it. Still every file is notified in order (SPEC N12), none is fetched
	 * twice, and all stay transferred across a restart (SPEC J7).
	 */
	@Test
	void manySmallFilesAreRecordedGroupByGroupAndNotifiedInOrder() throws Exception {
		int count = 160;
		TransferJob job = notifying(manager, "groups", files("groups", count, 23, i -> 64 << 10, i -> nginx.uri("/files/groups-" + i + ".bin")));
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		job.resume();
		await("jobTransferred", () -> r.count("transferred") == 1);
		List<String> expected = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			expected.add("file " + i);
		}
		expected.add("transferred");
		assertEquals(expected, r.calls, "N12");
		manager = Engine.restart();
		TransferJob reloaded = manager.getJob(job.getId());
		assertEquals(JobState.TRANSFERRED, reloaded.getState());
		assertEquals(count, reloaded.getProgress().filesTransferred(), "J7: every file recorded transferred");
		reloaded.complete();
		for (int i = 0; i < count; i++) {
			assertEquals(1, nginx.requests("/files/groups-" + i + ".bin").size(), "file " + i + " fetched once");
		}
		assertCompleted("groups", count);
	}

	/**
	 * Small files before a large one: the large one is recorded whole at once (its own checkpoint), the small ones in a
	 * group; the group goes first, so that they are still notified in order (SPEC N12).
	 */
	@Test
	void smallFilesBeforeALargeOneAreNotifiedInOrder() throws Exception {
		TransferJob job = notifying(manager, "mixed", files("mixed", 4, 29, i -> i == 3 ? 5 << 20 : 4096, i -> nginx.uri("/files/mixed-" + i + ".bin")));
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		job.resume();
		await("jobTransferred", () -> r.count("transferred") == 1);
		assertEquals(List.of("file 0", "file 1", "file 2", "file 3", "transferred"), r.calls, "N12");
		job.complete();
		assertCompleted("mixed", 4);
	}

	/**
	 * A small file's temporary file replaced while its group waits to be made durable: the group's sync refuses it
	 * (nothing is read or written through a file the engine did not create), the job fails with an access error when
	 * the next file completes, and none of the group's files counts as transferred. The files after the group do not
	 * wait for their turn behind its files for ever. Files 3 and 5 come slowly: the group of files 0-3 is sent when
	 * file 3 completes (a second has passed), file 5 completes after it failed.
	 */
	@Test
	void aTemporaryFileReplacedBeforeItsGroupIsSyncedFailsTheJob() throws Exception {
		TransferJob job = notifying(manager, "swap", files("swap", 8, 31, i -> i == 3 ? SLOW_BYTES : i == 5 ? 1 << 20 : 4096,
				i -> nginx.uri((i == 3 || i == 5 ? "/slow/" : "/files/") + "swap-" + i + ".bin")));
		job.resume();
		await("files 0-2 whole, their group waiting for file 3", () -> job.getProgress().filesTransferred() >= 3);
		Path temporary = job.getFiles().get(0).getTemporaryPath();
		// the same bytes in a file the engine did not create; its own file is kept aside, so the new one cannot get its
		// inode number (its identity)
		Files.move(temporary, temporary.resolveSibling("aside-" + temporary.getFileName()));
		Files.write(temporary, Files.readAllBytes(temporary.resolveSibling("aside-" + temporary.getFileName())));
		awaitState(job, JobState.ERROR);
		JobError e = job.getError().orElseThrow();
		assertEquals(ErrorContext.LOCAL_FILE, e.context(), e::toString);
		assertEquals(ErrorCodes.hex(ErrorCodes.E_ACCESSDENIED), ErrorCodes.hex(e.code()), e::toString);
		assertTrue(e.description().contains("replaced"), e::toString);
		assertEquals(0, job.getProgress().filesTransferred(), "the group's files, and those after it, are fetched again");
	}

	@Test
	void aFileFetchedAheadThatFailedFailsTheJobInItsTurn() throws Exception {
		TransferJob job = job(manager, "failing", 3, 2);
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		job.resume();
		awaitState(job, JobState.ERROR);
		await("jobError", () -> r.count("error") == 1);
		assertEquals(List.of("file 0", "file 1"), r.calls.subList(0, 2), "the files before it completed first: " + r.calls);
		assertEquals(2, job.getError().orElseThrow().file());
		assertEquals(ErrorCodes.httpError(403), job.getError().orElseThrow().code());
		assertTrue(job.getFiles().get(1).getProgress().completed());
		assertTrue(!job.getFiles().get(3).getProgress().completed(), "nothing after the failed file completes");
	}

	@Test
	void overHttpsAServerThatOffersHttp2GetsHttp2() throws Exception {
		List<FileSpec> files = files("h2", 6, 23, i -> 20_000 + i, i -> nginx.https("/files/h2-" + i + ".bin"));
		TransferJob job = manager.createJob("h2", JobType.DOWNLOAD, j -> {
			j.addFiles(files);
			j.setPriority(JobPriority.FOREGROUND);
			j.resume();
		});
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		List<String> served = new ArrayList<>();
		assertCompleted("h2", 6);
		for (int i = 0; i < 6; i++) {
			served.addAll(nginx.tlsRequests("/files/h2-" + i + ".bin"));
		}
		assertEquals(6, served.size(), served.toString());
		assertTrue(served.stream().allMatch(l -> l.split(" ")[1].equals("HTTP/2.0")), served.toString());
	}

	@Test
	void aJobWithAMaximumDownloadSizeFetchesOneFileAtATimeAndKeepsItsLimit() throws Exception {
		TransferJob job = job(manager, "limited", 2, -1); // 640 KiB, then 4,097 and 4,098 bytes
		job.setMaxDownloadSize(SLOW_BYTES + 4097 + 100);
		job.resume();
		awaitState(job, JobState.ERROR);
		assertEquals(ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED, job.getError().orElseThrow().code());
		assertEquals(2, job.getError().orElseThrow().file());
		assertEquals(List.of(0, 1, 2), served("limited"), "one at a time");
	}

	@Test
	void withNoFetchAheadFilesAreFetchedOneAtATime() throws Exception {
		TransferManager m = Engine.configured(Map.of("fetch.ahead", 0));
		TransferJob job = job(m, "single", 3, -1);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		assertEquals(List.of(0, 1, 2, 3), served("single"));
	}
}
