package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.CompleteResult;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferJob;

/**
 * What a review found open (README "Security"): links and files planted where the engine writes, renames and
 * deletes; file: sources that leave their root or never end; responses that hang or overflow; content without a
 * validator; credentials and headers on redirects. Each test failed on the engine before the fix.
 */
class HardeningIT extends WithNginx {
	private static final byte[] A = randomBytes(1 << 20, 31);
	private static Path root;

	@BeforeAll
	static void setUp() throws Exception {
		Files.write(nginx.root.resolve("files/a.bin"), A);
		root = Files.createDirectories(tmp.resolve("root")).toRealPath();
		manager = Engine.configured(Map.of("file.roots", root.toString()));
	}

	/**
	 * A fault proxy of the test's own: the proxy injects a fault into a new connection, and the engine's HTTP client
	 * would reuse a connection another test left open to a shared one.
	 */
	private static FaultProxy proxy() throws Exception {
		return new FaultProxy(0, nginx.port);
	}

	private static URI via(FaultProxy proxy, String path) {
		return URI.create("http://127.0.0.1:" + proxy.port() + path);
	}

	private static TransferJob job(String name, URI uri) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		job.setMinimumRetryDelay(Duration.ZERO); // raised to the floor of 5 s
		job.addFile(uri, dest(name + ".bin"));
		return job;
	}

	private static JobError awaitError(TransferJob job, JobState state, int code) throws Exception {
		awaitState(job, state);
		JobError e = job.getError().orElseThrow();
		assertEquals(ErrorCodes.hex(code), ErrorCodes.hex(e.code()), e::toString);
		return e;
	}

	@Test
	void aLinkPlantedAtTheTemporaryNameIsNeverWrittenThrough() throws Exception { // J3
		Path victim = Files.writeString(tmp.resolve("victim-1.txt"), "precious");
		TransferJob job = job("planted-link", nginx.uri("/files/a.bin"));
		Path temporary = job.getFiles().get(0).getTemporaryPath();
		Files.createSymbolicLink(temporary, victim);
		job.resume();
		JobError e = awaitError(job, JobState.ERROR, ErrorCodes.E_ACCESSDENIED);
		assertEquals(ErrorContext.LOCAL_FILE, e.context());
		assertTrue(e.description().contains("symbolic link"), e.description());
		assertEquals("precious", Files.readString(victim));
		job.cancel();
		assertTrue(Files.isSymbolicLink(temporary), "cancel() leaves what it did not create");
		assertEquals("precious", Files.readString(victim));
	}

	@Test
	void aLinkSwappedInBeforeCompleteIsNotRenamedOntoTheDestination() throws Exception { // J3
		Path victim = Files.writeString(tmp.resolve("victim-2.txt"), "precious");
		TransferJob job = job("swapped-link", nginx.uri("/files/a.bin"));
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		Path temporary = job.getFiles().get(0).getTemporaryPath();
		Files.delete(temporary);
		Files.createSymbolicLink(temporary, victim);
		TransferException e = assertThrows(TransferException.class, job::complete);
		assertEquals(ErrorCodes.E_ACCESSDENIED, e.getCode());
		assertFalse(Files.exists(dest("swapped-link.bin"), LinkOption.NOFOLLOW_LINKS));
		assertEquals("precious", Files.readString(victim));
	}

	@Test
	void cancellingDeletesNoDirectoryLinkedAtTheTemporaryName() throws Exception {
		Path precious = Files.createDirectories(tmp.resolve("precious"));
		Files.writeString(precious.resolve("keep.txt"), "keep");
		TransferJob job = job("linked-directory", nginx.uri("/files/a.bin")); // never started
		Files.createSymbolicLink(job.getFiles().get(0).getTemporaryPath(), precious);
		job.cancel();
		assertEquals("keep", Files.readString(precious.resolve("keep.txt")));
	}

	@Test
	void aFileSourceIsCheckedWhenOpenedByItsRealPathAndMustBeARegularFile() throws Exception {
		Path outside = Files.writeString(tmp.resolve("outside.txt"), "secret");
		TransferJob link = job("file-link", root.resolve("later-link").toUri()); // nothing there yet: accepted
		Files.createSymbolicLink(root.resolve("later-link"), outside);
		link.resume();
		assertTrue(awaitError(link, JobState.ERROR, ErrorCodes.E_ACCESSDENIED).description().contains("outside"));
		assertFalse(Files.exists(dest("file-link.bin")));

		Path fifo = root.resolve("fifo");
		Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
		assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0);
		TransferJob pipe = job("file-fifo", fifo.toUri());
		pipe.resume();
		assertTrue(awaitError(pipe, JobState.ERROR, ErrorCodes.E_ACCESSDENIED).description().contains("not a regular file"));
	}

	@Test
	void anErrorResponseWhoseBodyNeverComesIsATransientErrorAndRetried() throws Exception { // J5
		int before = nginx.requests("/status/500").size();
		try (FaultProxy proxy = proxy()) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.STALL_AFTER_HEADERS, 0));
			TransferJob job = job("hanging-error", via(proxy, "/status/500"));
			job.resume();
			awaitError(job, JobState.TRANSIENT_ERROR, ErrorCodes.httpError(500));
			assertEquals(1, proxy.connections, "the stalled connection was the one the job used");
			await("a retry", () -> {
				try {
					return nginx.requests("/status/500").size() >= before + 2;
				} catch (java.io.IOException e) {
					return false;
				}
			});
		}
	}

	@Test
	void aHugeRetryAfterIsCappedAndTheJobWaitsInTransientError() throws Exception { // J5
		TransferJob job = job("huge-retry-after", nginx.uri("/status/503-forever"));
		job.resume();
		awaitError(job, JobState.TRANSIENT_ERROR, ErrorCodes.httpError(503));
		job.resume(); // and it can be retried at once by hand, as any transient error
		awaitError(job, JobState.TRANSIENT_ERROR, ErrorCodes.httpError(503));
	}

	@Test
	void withoutAValidatorAnInterruptedFileStartsAgainAndIsNeverMixed() throws Exception { // J6
		byte[] v1 = randomBytes(2 << 20, 41);
		byte[] v2 = randomBytes(2 << 20, 42);
		Files.write(nginx.root.resolve("files/nv.bin"), v1);
		try (FaultProxy proxy = proxy()) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET, 700_000));
			proxy.nextTryFailsBeforeAnyByte(); // the retry at once (J8) too: the next waits 1 s, in which the file changes
			TransferJob job = job("no-validator", via(proxy, "/novalidator/nv.bin"));
			job.resume();
			awaitState(job, JobState.TRANSIENT_ERROR);
			assertTrue(job.getProgress().bytesTransferred() > 0, "part of the first version was kept before the reset");
			Files.write(nginx.root.resolve("files/nv.bin"), v2); // same length, another version, and nothing tells
			awaitState(job, JobState.TRANSFERRED);
			assertEquals(CompleteResult.COMPLETE, job.complete());
			assertArrayEquals(v2, Files.readAllBytes(dest("no-validator.bin")));
		}
	}

	@Test
	void aChunkedBodyIsStoppedAtTheMaximumDownloadSize() throws Exception {
		TransferJob job = job("chunked", nginx.uri("/chunked/a.bin"));
		job.setMaxDownloadSize(100_000);
		job.resume();
		awaitError(job, JobState.ERROR, ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED);
		Path temporary = job.getFiles().get(0).getTemporaryPath();
		assertTrue(!Files.exists(temporary) || Files.size(temporary) <= 100_000, "nothing written past the limit");
	}

	@Test
	void credentialsAndHeadersGoOnlyToTheFilesOriginAndBasicOverHttpOnlyWhenAllowed() throws Exception {
		try (FaultProxy proxy = proxy()) { // no fault: another origin (its port) in front of nginx
			credentialsAndHeadersGoOnlyToTheFilesOrigin(proxy);
		}
	}

	private void credentialsAndHeadersGoOnlyToTheFilesOrigin(FaultProxy proxy) throws Exception {
		Credentials basic = new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "s3cret");
		String auth = "\"Basic dXNlcjpzM2NyZXQ=\"";

		TransferJob same = job("same-origin", via(proxy, "/same-origin"));
		same.setCredentials(basic);
		same.setCustomHeaders(Map.of("X-Api-Key", "k3y"));
		same.setPlainHttpAuthenticationAllowed(true);
		same.resume();
		awaitState(same, JobState.TRANSFERRED);
		assertEquals(List.of("/echo/a.bin " + auth + " \"k3y\""), nginx.echoedHeaders(), "a redirect within the origin keeps both");

		TransferJob other = job("other-origin", via(proxy, "/other-origin")); // the proxy's port redirects to nginx's
		other.setCredentials(basic);
		other.setCustomHeaders(Map.of("X-Api-Key", "k3y"));
		other.setPlainHttpAuthenticationAllowed(true);
		other.resume();
		awaitState(other, JobState.TRANSFERRED);
		assertEquals("/echo/a.bin \"-\" \"-\"", nginx.echoedHeaders().get(1), "a redirect to another origin carries neither");

		TransferJob plain = job("plain-http", via(proxy, "/same-origin"));
		plain.setCredentials(basic);
		plain.setCustomHeaders(Map.of("X-Api-Key", "k3y"));
		assertFalse(plain.isPlainHttpAuthenticationAllowed());
		plain.resume();
		awaitState(plain, JobState.TRANSFERRED);
		assertEquals("/echo/a.bin \"-\" \"k3y\"", nginx.echoedHeaders().get(2), "no Basic over plain http unless allowed");
	}
}
