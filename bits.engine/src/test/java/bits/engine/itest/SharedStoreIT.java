package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import bits.api.JobState;
import bits.api.TransferJob;

/**
 * What an engine sharing its store (PostgreSQL, itest-postgres.bndrun) does that a store of one engine has no room for:
 * another engine's change of a job's row, made here as that engine's row would show it. With SQLite these tests are
 * skipped: no other engine can change the store.
 */
class SharedStoreIT extends WithNginx {
	@Test
	void aJobOnTheWireStaysTransferringWhenAnotherEngineChangesItAndItsNextCheckpointRecordsThat() throws Exception { // J2, C6
		assumeTrue(TestDatabases.active(), "engines share a store in PostgreSQL only");
		byte[] data = randomBytes(2 << 20, 16); // about 8 s at nginx's 256 KiB/s
		Files.write(nginx.root.resolve("files/t.bin"), data);
		TransferJob job = manager.createJob("transferring");
		Path dest = dest("t.bin");
		job.addFile(nginx.uri("/slow/t.bin"), dest);
		job.resume();
		String row = "FROM job WHERE id = '" + job.getId() + "'";
		// TRANSFERRING is told here at once, and recorded with the transfer's first checkpoint, a second of data later
		await("the job on the wire", () -> job.getState() == JobState.TRANSFERRING);
		// another engine's change of the job meanwhile, in a new version of its row: this engine reads it
		assertEquals("1", TestDatabases.query(null, "UPDATE job SET description = 'elsewhere', version = version + 1 WHERE id = '" + job.getId()
				+ "' AND state = 'CONNECTING'"), "the row still says CONNECTING");
		await("the change read", () -> job.getDescription().equals("elsewhere"));
		assertEquals(JobState.TRANSFERRING, job.getState(), "a read of the row does not take the transfer back to CONNECTING");
		await("TRANSFERRING recorded by a checkpoint", () -> query("SELECT state " + row).equals("TRANSFERRING"));
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertArrayEquals(data, Files.readAllBytes(dest));
	}

	@Test
	void aNotificationRepeatedForANewCallbackOfAJobNoEngineClaimsWritesTheJobsRow() throws Exception { // N7, C5, C6
		assumeTrue(TestDatabases.active(), "engines share a store in PostgreSQL only");
		Files.write(nginx.root.resolve("files/r.bin"), randomBytes(4096, 17));
		TransferJob job = manager.createJob("repeated");
		job.addFile(nginx.uri("/files/r.bin"), dest("r.bin"));
		Recorder first = new Recorder();
		job.setNotifyCallback(first);
		job.resume();
		await("jobTransferred", () -> first.count("transferred") == 1);
		String row = "FROM job WHERE id = '" + job.getId() + "'";
		await("acknowledged", () -> query("SELECT count(*) FROM outbox WHERE job = '" + job.getId() + "'").equals("0"));
		assertEquals("", query("SELECT COALESCE(claimed_by, '') " + row), "no engine claims the job");
		String version = query("SELECT version " + row);
		// a new callback on the same engine is told again (N7): a notification in the outbox of a job that no engine
		// claims, whose row would not change otherwise; the other engines read only claimed jobs' notifications often
		Recorder second = new Recorder();
		job.setNotifyCallback(second);
		await("told again", () -> second.count("transferred") == 1);
		try {
			assertNotEquals(version, query("SELECT version " + row), "the job's row was not written: the other engines do not see the notification");
		} finally {
			job.complete();
		}
	}

	@Test
	void aChangeOfAnUnclaimedJobsFilesThatNoAnnouncementCarriedIsReadWithinAMinute() throws Exception { // C6
		assumeTrue(TestDatabases.active(), "engines share a store in PostgreSQL only");
		TransferJob job = manager.createJob("unannounced");
		job.addFile(nginx.uri("/files/u.bin"), dest("u.bin"));
		String ofTheJob = "WHERE job = '" + job.getId() + "'";
		await("the file recorded", () -> query("SELECT count(*) FROM file " + ofTheJob).equals("1"));
		// as another engine's checkpoint would leave it when this engine read the job before that checkpoint committed and
		// its announcement came first: a file's progress changes no row of its job, and a job no engine claims is left out
		// of the reads every few seconds; only the whole read, once a minute, sees it
		long changed = System.nanoTime();
		assertEquals("1", TestDatabases.query(null, "UPDATE file SET bytes_total = 12345 " + ofTheJob));
		await("the file's size read", () -> job.getProgress().bytesTotal() == 12345);
		long seconds = (System.nanoTime() - changed) / 1_000_000_000L;
		assertTrue(seconds <= 80, "read after " + seconds + " s"); // a minute, and the drift of 12 reads on a busy chore thread
		job.cancel();
	}

	private static String query(String sql) {
		try {
			return TestDatabases.query(null, sql);
		} catch (Exception e) {
			throw new AssertionError(e);
		}
	}
}
