package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import bits.api.CompleteResult;
import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.FileSpec;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferFile;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Download jobs against a real nginx: the state machine, complete / cancel, resume with ranges (SPEC J2, J3, J4, J7). */
class TransferIT extends WithNginx {
	static byte[] a = randomBytes(1 << 20, 1);
	static byte[] b = randomBytes(3 << 20, 2);
	static byte[] big = randomBytes(2 << 20, 3);

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/a.bin"), a);
		Files.write(nginx.root.resolve("files/b.bin"), b);
		Files.write(nginx.root.resolve("files/big.bin"), big);
	}

	@Test
	void downloadsInOrderAndCompletesAtomically() throws Exception { // J2, J3
		TransferJob job = manager.createJob("two files");
		Path da = dest("a1.bin");
		Path db = dest("b1.bin");
		job.addFiles(List.of(new FileSpec(nginx.uri("/files/a.bin"), da), new FileSpec(nginx.uri("/files/b.bin"), db)));
		assertEquals(JobState.SUSPENDED, job.getState());
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		assertEquals(a.length + b.length, job.getProgress().bytesTransferred());
		assertEquals(2, job.getProgress().filesTransferred());
		assertTrue(job.getTimes().transferred().isPresent());
		assertFalse(Files.exists(da), "no destination before complete()");
		TransferFile first = job.getFiles().get(0);
		assertEquals(sha256(a), sha256(first.getTemporaryPath()));

		assertEquals(CompleteResult.COMPLETE, job.complete());
		assertEquals(JobState.ACKNOWLEDGED, job.getState());
		assertEquals(sha256(a), sha256(da));
		assertEquals(sha256(b), sha256(db));
		assertFalse(Files.exists(first.getTemporaryPath()), "temporary file renamed away");
		assertFalse(manager.listJobs().contains(job));
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, job::resume).getCode());
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, job::complete).getCode());
		// files in order: a before b
		List<String> log = Files.readAllLines(nginx.prefix.resolve("access.log"));
		assertTrue(indexOf(log, "/files/a.bin") < indexOf(log, "/files/b.bin"), log.toString());
	}

	private static int indexOf(List<String> log, String path) {
		for (int i = log.size() - 1; i >= 0; i--) {
			if (log.get(i).startsWith(path + " ")) {
				return i;
			}
		}
		return -1;
	}

	@Test
	void resumeWithoutFilesFailsAndStaysSuspended() { // J2, BITS BG_E_EMPTY
		TransferJob job = manager.createJob("empty");
		assertEquals(ErrorCodes.BG_E_EMPTY, assertThrows(TransferException.class, job::resume).getCode());
		assertEquals(JobState.SUSPENDED, job.getState());
	}

	@Test
	void suspendMidTransferThenResumeWithARangeRequest() throws Exception { // J4
		TransferJob job = manager.createJob("suspend");
		Path d = dest("big-suspend.bin");
		job.addFile(nginx.uri("/slow/big.bin"), d);
		job.resume();
		await("some bytes", () -> job.getProgress().bytesTransferred() > 300_000);
		job.suspend();
		assertEquals(JobState.SUSPENDED, job.getState());
		long kept = job.getFiles().get(0).getProgress().bytesTransferred();
		Thread.sleep(500);
		assertEquals(kept, job.getFiles().get(0).getProgress().bytesTransferred(), "no progress while suspended");
		job.setPriority(JobPriority.FOREGROUND);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(big), sha256(d));
		List<String> requests = nginx.requests("/slow/big.bin");
		assertTrue(requests.stream().anyMatch(l -> l.contains(" 206 \"bytes=")), "resumed with a range: " + requests);
	}

	@Test
	void cancelRemovesTemporaryFilesAndNeverCreatesTheDestination() throws Exception { // J3
		TransferJob job = manager.createJob("cancel");
		Path d = dest("big-cancel.bin");
		TransferFile f = job.addFile(nginx.uri("/slow/big.bin"), d);
		job.resume();
		await("some bytes", () -> job.getProgress().bytesTransferred() > 0);
		assertTrue(Files.exists(f.getTemporaryPath()));
		job.cancel();
		assertEquals(JobState.CANCELLED, job.getState());
		assertFalse(Files.exists(f.getTemporaryPath()));
		assertFalse(Files.exists(d));
		assertEquals(ErrorCodes.BG_E_INVALID_STATE, assertThrows(TransferException.class, job::cancel).getCode());
	}

	@Test
	void completeInErrorKeepsOnlyTransferredFiles() throws Exception { // BITS partial complete
		TransferJob job = manager.createJob("partial");
		Path ok = dest("ok.bin");
		Path missing = dest("missing.bin");
		job.addFiles(List.of(new FileSpec(nginx.uri("/files/a.bin"), ok), new FileSpec(nginx.uri("/files/none.bin"), missing)));
		job.resume();
		awaitState(job, JobState.ERROR);
		JobError e = job.getError().orElseThrow();
		assertEquals(ErrorContext.REMOTE_FILE, e.context());
		assertEquals(ErrorCodes.httpError(404), e.code());
		assertEquals(1, e.file());
		assertEquals(CompleteResult.PARTIAL_COMPLETE, job.complete());
		assertEquals(sha256(a), sha256(ok));
		assertFalse(Files.exists(missing));
	}

	@Test
	void followsARedirect() throws Exception {
		TransferJob job = manager.createJob("redirect");
		Path d = dest("redirected.bin");
		job.addFile(nginx.uri("/redirect"), d);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(a), sha256(d));
	}

	@Test
	void copiesFileUrisInsideTheConfiguredRoot() throws Exception {
		TransferJob job = manager.createJob("file uri");
		Path d = dest("copied.bin");
		job.addFile(nginx.root.resolve("files/b.bin").toRealPath().toUri(), d);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(b), sha256(d));
		TransferException e = assertThrows(TransferException.class,
				() -> manager.createJob("outside").addFile(Path.of("/etc/hostname").toUri(), tmp.resolve("out/h")));
		assertEquals(ErrorCodes.E_ACCESSDENIED, e.getCode());
	}

	@Test
	void jobsAndProgressSurviveAnEngineRestart() throws Exception { // J7
		TransferJob job = manager.createJob("restart");
		job.setDescription("kept");
		Path d = dest("big-restart.bin");
		job.addFile(nginx.uri("/slow/big.bin"), d);
		job.resume();
		await("a checkpoint", () -> job.getProgress().bytesTransferred() > 600_000);
		TransferManager again = Engine.restart();
		manager = again;
		TransferJob reloaded = again.getJob(job.getId());
		assertEquals("kept", reloaded.getDescription());
		assertEquals("restart", reloaded.getDisplayName());
		reloaded.setPriority(JobPriority.FOREGROUND);
		awaitState(reloaded, JobState.TRANSFERRED); // resumed by itself after the restart
		reloaded.complete();
		assertEquals(sha256(big), sha256(d));
		assertTrue(nginx.requests("/slow/big.bin").stream().anyMatch(l -> l.contains(" 206 \"bytes=")));
	}

	@Test
	void aRestartWhileAFileIsOnTheWireKeepsTheFilesCompletedBeforeIt() throws Exception { // J7
		Files.write(nginx.root.resolve("files/kept-first.bin"), a);
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.STALL, 0)); // the second file's response never comes
			TransferJob job = manager.createJob("restart mid-job");
			Path first = dest("kept-first.bin");
			Path second = dest("kept-second.bin");
			job.addFiles(List.of(new FileSpec(nginx.uri("/files/kept-first.bin"), first),
					new FileSpec(URI.create("http://127.0.0.1:" + proxy.port() + "/files/b.bin"), second)));
			job.resume();
			await("the second file requested", () -> proxy.connections == 1);
			// the first file is whole, its small-file sync pending in the job's group: the stop of the engine must still
			// record it, though the engine is shutting down
			manager = Engine.restart();
			TransferJob reloaded = manager.getJob(job.getId());
			reloaded.setPriority(JobPriority.FOREGROUND);
			awaitState(reloaded, JobState.TRANSFERRED); // resumed by itself, not left a transient error to retry later
			assertEquals(1, nginx.requests("/files/kept-first.bin").size(), "the completed first file is not fetched again");
			reloaded.complete();
			assertEquals(sha256(a), sha256(first));
			assertEquals(sha256(b), sha256(second));
		}
	}
}
