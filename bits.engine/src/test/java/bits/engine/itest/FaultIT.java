package bits.engine.itest;

import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.RedirectPolicy;
import bits.api.TransferJob;

/**
 * Faults that need more than a row of {@link FaultMatrixIT}: Retry-After, the no-progress timeout, a server that comes
 * up later, content changed while suspended, TLS trust and downgrade, local errors (SPEC J4, J5, J6).
 */
class FaultIT extends WithNginx {
	static byte[] b = randomBytes(3 << 20, 2);

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/a.bin"), randomBytes(1 << 20, 1));
		Files.write(nginx.root.resolve("files/b.bin"), b);
	}

	private static TransferJob job(String name, URI uri, JobPriority priority) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(priority);
		job.setMinimumRetryDelay(Duration.ZERO); // raised to BITS's floor of 5 s
		job.addFile(uri, dest(name + ".bin"));
		job.resume();
		return job;
	}

	private static JobError awaitError(TransferJob job, JobState state, ErrorContext context, int code) throws Exception {
		awaitState(job, state);
		JobError e = job.getError().orElseThrow();
		assertEquals(context, e.context(), e::toString);
		assertEquals(ErrorCodes.hex(code), ErrorCodes.hex(e.code()), e::toString);
		assertTrue(!e.description().isBlank());
		return e;
	}


	@Test
	void serviceUnavailableIsTransientAndHonoursRetryAfter() throws Exception { // J5
		int before = nginx.requests("/status/503").size();
		TransferJob job = job("503", nginx.uri("/status/503"), JobPriority.FOREGROUND);
		awaitError(job, JobState.TRANSIENT_ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503));
		assertEquals(Duration.ofSeconds(5), job.getMinimumRetryDelay());
		Thread.sleep(8_000); // past the 5 s retry delay, well before the server's Retry-After of 20 s
		assertEquals(JobState.TRANSIENT_ERROR, job.getState());
		assertEquals(before + 1, nginx.requests("/status/503").size(), "no retry before Retry-After");
	}


	@Test
	void noProgressTimeoutMakesTransientErrorsFatal() throws Exception { // J5
		TransferJob job = manager.createJob("no-progress");
		job.setNoProgressTimeout(Duration.ZERO);
		job.addFile(nginx.uri("/status/503"), dest("no-progress.bin"));
		job.resume();
		awaitError(job, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503));
	}

	/**
	 * A FOREGROUND job named {@code name} of one file from {@code uri}, transferred and completed; its minimum retry
	 * delay of an hour is longer than any wait here: only a retry at once or a back-off gets there.
	 *
	 * @return the states it passed, by its EventAdmin events
	 */
	private static List<String> transferred(String name, URI uri) throws Exception {
		List<String> states = Collections.synchronizedList(new ArrayList<>());
		Dictionary<String, Object> topics = new Hashtable<>();
		topics.put(EventConstants.EVENT_TOPIC, "bits/job/*");
		ServiceRegistration<EventHandler> events = FrameworkUtil.getBundle(FaultIT.class).getBundleContext().registerService(EventHandler.class,
				e -> {
					if (name.equals(e.getProperty("job.name")) && !e.getTopic().endsWith("/MODIFIED")) {
						states.add((String) e.getProperty("job.state"));
					}
				}, topics);
		try {
			TransferJob job = manager.createJob(name);
			job.setPriority(JobPriority.FOREGROUND);
			job.setMinimumRetryDelay(Duration.ofHours(1));
			job.addFile(uri, dest(name + ".bin"));
			job.resume();
			awaitState(job, JobState.TRANSFERRED);
			job.complete();
			Engine.await(() -> "TRANSFERRED among " + states, () -> states.contains("TRANSFERRED"));
		} finally {
			events.unregister();
		}
		return List.copyOf(states);
	}

	private static URI file(FaultProxy proxy, String name) {
		return URI.create("http://127.0.0.1:" + proxy.port() + "/files/" + name + ".bin");
	}

	@Test
	void interruptionsAfterProgressAreResumedAtOnceInPlaceNotAfterTheMinimumRetryDelay() throws Exception { // J8
		Files.write(nginx.root.resolve("files/j8.bin"), randomBytes(3 << 20, 8));
		int before = nginx.requests("/files/j8.bin").size();
		List<String> states;
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET, 1 << 20));
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.CLOSE, 2 << 20));
			states = transferred("j8", file(proxy, "j8"));
		}
		// each interruption after progress is followed at once by a request for the rest, in the same transfer: the job
		// stays TRANSFERRING, with no error and no checkpoint in between
		assertFalse(states.contains("TRANSIENT_ERROR"), "the states: " + states);
		assertEquals(sha256(nginx.root.resolve("files/j8.bin")), sha256(dest("j8.bin")));
		var requests = nginx.requests("/files/j8.bin").subList(before, nginx.requests("/files/j8.bin").size());
		assertEquals(3, requests.size(), "two interruptions, each resumed: " + requests);
		long first = rangeStart(requests.get(1));
		long second = rangeStart(requests.get(2));
		assertTrue(first > 0 && second > first, "each from where the last stopped: " + requests);
	}

	@Test
	void aResumeInPlaceThatBringsNothingShowsTheInterruptionAndIsRetriedAtOnce() throws Exception { // J8
		Files.write(nginx.root.resolve("files/j8-nothing.bin"), randomBytes(3 << 20, 9));
		int before = nginx.requests("/files/j8-nothing.bin").size();
		List<String> states;
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET, 1 << 20));
			proxy.nextTryFailsBeforeAnyByte(); // the resume in place
			states = transferred("j8-nothing", file(proxy, "j8-nothing"));
		}
		// the failed resume recorded what had arrived, and shows; that was progress: retried at once, not in an hour.
		// Engines sharing a store give the claim back with the failure, and the job is queued for any of them
		String retried = TestDatabases.active() ? "QUEUED" : "CONNECTING";
		int error = states.indexOf("TRANSIENT_ERROR");
		assertTrue(error >= 0 && states.get(error + 1).equals(retried), "the states: " + states);
		assertEquals(sha256(nginx.root.resolve("files/j8-nothing.bin")), sha256(dest("j8-nothing.bin")));
		var requests = nginx.requests("/files/j8-nothing.bin").subList(before, nginx.requests("/files/j8-nothing.bin").size());
		assertTrue(rangeStart(requests.get(requests.size() - 1)) > 0, "the last try resumed after what had arrived: " + requests);
	}

	@Test
	void aResumeInPlaceStartsFromTheFilesOwnUriAsANewTryWould() throws Exception { // J8
		int before = nginx.requests("/same-origin").size();
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			// the file redirects (a signed or one-time link would too); every connection ends after 256 KiB
			proxy.always(new FaultProxy.Fault(FaultProxy.Fault.Kind.CLOSE, 256 << 10));
			transferred("redirected", URI.create("http://127.0.0.1:" + proxy.port() + "/same-origin"));
		}
		assertEquals(sha256(nginx.root.resolve("files/a.bin")), sha256(dest("redirected.bin")));
		List<String> asked = nginx.requests("/same-origin");
		// 1 MiB in pieces under 256 KiB: at least four requests of the file's URI, each redirected anew
		assertTrue(asked.size() - before >= 4, "the file's own URI asked again at each resume: " + asked.subList(before, asked.size()));
	}

	/** @return where the request logged in {@code line} asked its range to start, or -1 without a range */
	private static long rangeStart(String line) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"bytes=(\\d+)-\"").matcher(line);
		return m.find() ? Long.parseLong(m.group(1)) : -1;
	}

	@Test
	void connectionRefusedIsRetriedUntilTheServerIsUp() throws Exception { // J5
		int port = Nginx.freePort();
		TransferJob job = job("refused", URI.create("http://127.0.0.1:" + port + "/files/b.bin"), JobPriority.FOREGROUND);
		awaitError(job, JobState.TRANSIENT_ERROR, ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_CANNOT_CONNECT);
		try (FaultProxy proxy = new FaultProxy(port, nginx.port)) {
			awaitState(job, JobState.TRANSFERRED); // retried after the minimum retry delay
			job.complete();
		}
		assertEquals(sha256(b), sha256(dest("refused.bin")));
	}




	@Test
	void changedContentRestartsFromZeroAndNeverMixes() throws Exception { // J6
		Path file = nginx.root.resolve("files/v.bin");
		byte[] v1 = randomBytes(2 << 20, 11);
		byte[] v2 = randomBytes(2 << 20, 12);
		Files.write(file, v1);
		TransferJob job = job("etag", nginx.uri("/slow/v.bin"), JobPriority.FOREGROUND);
		Engine.await("a checkpoint", () -> job.getFiles().get(0).getProgress().bytesTransferred() > 400_000);
		job.suspend();
		Files.write(file, v2);
		Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000)); // a new ETag
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(v2), sha256(dest("etag.bin")));
		assertTrue(nginx.requests("/slow/v.bin").stream().anyMatch(l -> l.contains(" 200 \"bytes=")), "If-Range answered 200");
	}


	@Test
	void httpsWithTheEngineTrustStoreAndNoDowngradeUnlessAllowed() throws Exception {
		awaitState(job("tls", nginx.https("/files/a.bin"), JobPriority.FOREGROUND), JobState.TRANSFERRED);
		TransferJob down = job("downgrade", nginx.https("/to-http"), JobPriority.FOREGROUND);
		awaitError(down, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.E_REDIRECT_FAILED);
		down.setRedirectPolicy(RedirectPolicy.ALLOW_HTTPS_TO_HTTP);
		down.resume();
		awaitState(down, JobState.TRANSFERRED);
	}

	@Test
	void untrustedCertificateIsFatal() throws Exception {
		awaitError(job("untrusted", nginx.untrusted("/files/a.bin"), JobPriority.FOREGROUND), JobState.ERROR,
				ErrorContext.GENERAL_TRANSPORT, ErrorCodes.E_SECURE_FAILURE);
	}

	@Test
	void maxDownloadSizeIsEnforced() throws Exception {
		TransferJob job = manager.createJob("max-size");
		job.setMaxDownloadSize(1000);
		job.addFile(nginx.uri("/files/a.bin"), dest("max-size.bin"));
		job.resume();
		awaitError(job, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED);
	}

	@Test
	void missingDestinationDirectoryIsALocalError() throws Exception {
		TransferJob job = manager.createJob("no-dir");
		job.addFile(nginx.uri("/files/a.bin"), tmp.resolve("no/such/dir/x.bin"));
		job.resume();
		awaitError(job, JobState.ERROR, ErrorContext.LOCAL_FILE, ErrorCodes.E_PATH_NOT_FOUND);
	}
}
