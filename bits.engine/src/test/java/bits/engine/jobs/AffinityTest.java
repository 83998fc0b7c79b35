package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import bits.api.ErrorCodes;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/** SPEC C4: a job whose files are on one engine's disk is pinned to it; one whose files are all on shared roots is not. */
class AffinityTest {
	private static final Affinity ON_A = new Affinity(List.of(Path.of("/shared")), "a");
	private static final Affinity ON_B = new Affinity(List.of(Path.of("/shared")), "b");

	private static JobRecord job() {
		return job(JobType.DOWNLOAD);
	}

	private static JobRecord job(JobType type) {
		return JobRecord.created(UUID.randomUUID(), "o", type,
				JobSettings.defaults("o", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT), Instant.now());
	}

	private static FileRecord file(String remote, String local) {
		return FileRecord.added(0, URI.create(remote), Path.of(local), Path.of(local + ".tmp"));
	}

	@Test
	void aJobWithItsFilesOnSharedRootsIsPinnedToNoEngine() {
		assertNull(ON_A.pin(job(), List.of(file("https://h/x", "/shared/out/x"))));
		assertNull(ON_A.pin(job(), List.of(file("file:///shared/in/x", "/shared/out/x"))));
	}

	@Test
	void aDestinationOrAFileSourceOnThisEnginesDiskPinsTheJobToIt() {
		assertEquals("a", ON_A.pin(job(), List.of(file("https://h/x", "/shared/out/x"), file("https://h/y", "/home/a/y"))));
		assertEquals("a", ON_A.pin(job(), List.of(file("file:///home/a/x", "/shared/out/x"))), "the source is on a's disk");
		assertEquals("a", ON_A.pin(job(), List.of(file("https://h/x", "/shared/../home/x"))), "not under the root once normalised");
	}

	@Test
	void aJobPinnedToAnotherEngineTakesSharedFilesButNotThisEnginesOwn() {
		JobRecord pinned = job().with(b -> b.pinnedTo("a"));
		assertEquals("a", ON_B.pin(pinned, List.of(file("https://h/x", "/shared/out/x"))), "stays pinned");
		TransferException e = assertThrows(TransferException.class, () -> ON_B.pin(pinned, List.of(file("https://h/y", "/home/b/y"))));
		assertEquals(ErrorCodes.E_INVALIDARG, e.getCode());
		assertTrue(e.getMessage().contains("pinned to engine 'a'") && e.getMessage().contains("store.shared.roots"), e.getMessage());
	}

	@Test
	void anUploadReplyJobIsPinnedToTheEngineItsReplyComesTo() { // SPEC C4, U2: the reply is received in this engine's data area
		assertEquals("a", ON_A.pin(job(JobType.UPLOAD_REPLY), List.of(file("https://h/x", "/shared/in/x"))));
		assertNull(ON_A.pin(job(JobType.UPLOAD), List.of(file("https://h/x", "/shared/in/x"))), "an upload has no reply");
	}
}
