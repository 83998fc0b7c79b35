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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.HandlerInfo;
import bits.api.HandlerState;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.ValidationState;
import bits.engine.itest.handlers.BrokenHandler;
import bits.engine.itest.handlers.FlakyHandler;
import bits.engine.itest.handlers.LazyHandler;
import bits.engine.itest.handlers.RecordingHandler;

/** Persistent handlers: tracking, precedence, on-demand provisioning from the samples index, failures (SPEC H1-H6, N5, N6). */
class HandlersIT extends WithNginx {
	private static final String COMPLETE = "bits.samples.complete";
	private static final String SHA256 = "bits.samples.sha256";
	private static final BundleContext context = FrameworkUtil.getBundle(HandlersIT.class).getBundleContext();
	private static byte[] content;

	@BeforeAll
	static void files() throws Exception {
		content = randomBytes(100_000, 77);
		Files.write(nginx.root.resolve("files/h.bin"), content);
	}

	@BeforeEach
	void samplesIndexOnly() throws Exception {
		manager = Engine.configured(Map.of("handler.repositories", samplesIndex().toUri().toString()));
	}

	@AfterEach
	void uninstallSamples() throws Exception {
		manager.listJobs().forEach(TransferJob::cancel);
		List<Bundle> samples = samples();
		for (Bundle b : samples) {
			b.uninstall();
		}
		CountDownLatch refreshed = new CountDownLatch(1);
		context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(samples, e -> refreshed.countDown());
		assertTrue(refreshed.await(60, TimeUnit.SECONDS));
	}

	private static Path samplesIndex() {
		return Path.of(context.getProperty("bits.samples.index")).toAbsolutePath().normalize();
	}

	private static List<Bundle> samples() {
		return List.of(context.getBundles()).stream().filter(b -> b.getSymbolicName().startsWith("bits.samples.")).toList();
	}

	private static Optional<Bundle> installed(String symbolicName) {
		return samples().stream().filter(b -> b.getSymbolicName().equals(symbolicName)).findFirst();
	}

	private static TransferJob job(String name, String handler, URI remote) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		job.addFiles(List.of(new FileSpec(remote, dest(name))));
		if (handler != null) {
			job.setHandlerId(handler);
		}
		return job;
	}

	private static TransferJob job(String name, String handler) throws Exception {
		return job(name, handler, nginx.uri("/files/h.bin"));
	}

	/** A copy of the samples repository (index and bundles) that a test may damage. */
	private static Path repositoryCopy() throws Exception {
		Path copy = Files.createTempDirectory(tmp, "repo");
		FileUtils.copyDirectory(samplesIndex().getParent().toFile(), copy.toFile());
		return copy.resolve("index.xml");
	}

	private static void awaitNotificationError(TransferJob job, String... words) throws Exception {
		await(() -> "a notification error with " + List.of(words) + ", have " + job.getNotificationError(), () -> job
				.getNotificationError().map(e -> List.of(words).stream().allMatch(e.description()::contains)).orElse(false));
	}

	@Test
	void aHandlerAbsentAtStartIsInstalledVerifiedStartedAndCalled() throws Exception { // H3, N5
		assertTrue(installed(COMPLETE).isEmpty());
		TransferJob job = job("cold", COMPLETE);
		job.resume();
		awaitState(job, JobState.ACKNOWLEDGED); // the handler called complete()
		assertArrayEquals(content, Files.readAllBytes(dest("cold")));
		Bundle handler = installed(COMPLETE).orElseThrow();
		assertEquals(Bundle.ACTIVE, handler.getState());
		assertTrue(Path.of(URI.create(handler.getLocation())).startsWith(samplesIndex().getParent()), handler.getLocation());
	}

	@Test
	void concurrentNotificationsForOneIdProvisionItOnceFromAnHttpIndex() throws Exception { // H3
		Path repo = nginx.root.resolve("files/repo");
		FileUtils.copyDirectory(samplesIndex().getParent().toFile(), repo.toFile());
		String pin = ";sha256=" + Engine.sha256(repo.resolve("index.xml")); // a plain http index must be pinned
		manager = Engine.configured(Map.of("handler.repositories", nginx.uri("/files/repo/index.xml") + pin));
		List<TransferJob> jobs = new java.util.ArrayList<>();
		for (int i = 0; i < 6; i++) {
			jobs.add(job("together-" + i, COMPLETE));
		}
		jobs.forEach(TransferJob::resume);
		for (TransferJob job : jobs) {
			awaitState(job, JobState.ACKNOWLEDGED);
		}
		String jar = "/files/repo/bundles/bits.samples.complete-0.1.0-SNAPSHOT.jar";
		assertEquals(1, nginx.requests(jar).size(), "downloads of the handler: " + nginx.requests(jar));
	}

	@Test
	void aHandlersLibraryThatOnlyTheIndexHasIsInstalledToo() throws Exception { // H3, N12
		assertTrue(installed("bits.samples.digest").isEmpty());
		String sha = Engine.sha256(content);
		TransferJob good = job("valid", SHA256, URI.create(nginx.uri("/files/h.bin") + "#sha256=" + sha));
		good.setNotifyFlags(EnumSet.of(NotifyFlag.FILE_TRANSFERRED));
		good.resume();
		await("the file validated", () -> good.getFiles().get(0).getValidationState() == ValidationState.VALID);
		assertEquals(Bundle.ACTIVE, installed("bits.samples.digest").orElseThrow().getState());
		assertEquals(Bundle.ACTIVE, installed("bits.samples.validator").orElseThrow().getState());

		TransferJob bad = job("invalid", SHA256, URI.create(nginx.uri("/files/h.bin") + "#sha256=" + "0".repeat(64)));
		bad.setNotifyFlags(EnumSet.of(NotifyFlag.FILE_TRANSFERRED));
		bad.resume();
		awaitState(bad, JobState.ERROR);
		assertEquals(ErrorCodes.BG_E_VALIDATION_FAILED, bad.getError().orElseThrow().code());
	}

	@Test
	void anIdThatNothingProvidesIsRefusedAtOnce() throws Exception { // N6
		TransferJob job = job("unknown", null);
		TransferException e = assertThrows(TransferException.class, () -> job.setHandlerId("no.such.handler"));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, e.getCode());
		assertTrue(e.getMessage().contains("no.such.handler"), e.getMessage());
		assertTrue(job.getHandlerId().isEmpty());
		job.setHandlerId(COMPLETE); // in the index only: accepted
		job.setHandlerId(RecordingHandler.ID); // registered: accepted; last one wins (N4)
		assertEquals(Optional.of(RecordingHandler.ID), job.getHandlerId());
		job.setHandlerId(null);
		assertTrue(job.getHandlerId().isEmpty());
	}

	@Test
	void aBundleWhoseHashDoesNotMatchTheIndexIsRefusedAndNothingIsInstalled() throws Exception { // H3, H6
		Path index = repositoryCopy();
		Path jar;
		try (var files = Files.list(index.getParent().resolve("bundles"))) {
			jar = files.filter(p -> p.getFileName().toString().startsWith("bits.samples.complete")).findFirst().orElseThrow();
		}
		byte[] original = Files.readAllBytes(jar);
		Files.write(jar, new byte[] { 0 }, StandardOpenOption.APPEND);
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString()));
		TransferJob job = job("tampered", COMPLETE);
		job.setMinimumRetryDelay(java.time.Duration.ofSeconds(1));
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		awaitNotificationError(job, "SHA-256", "refused");
		assertEquals(ErrorCodes.HANDLER_ACTIVATION_FAILED, job.getNotificationError().orElseThrow().code());
		assertTrue(installed(COMPLETE).isEmpty(), "nothing installed");
		Files.write(jar, original); // the repository is repaired: the retry succeeds (H6)
		awaitState(job, JobState.ACKNOWLEDGED);
	}

	@Test
	void aMissingDependencyGivesTheResolversReasonAndInstallsNothing() throws Exception { // H3, H6
		Path index = repositoryCopy();
		String xml = Files.readString(index);
		int digest = xml.indexOf("bits.samples.digest\"");
		int start = xml.lastIndexOf("<resource>", digest);
		int end = xml.indexOf("</resource>", digest) + "</resource>".length();
		Files.writeString(index, xml.substring(0, start) + xml.substring(end));
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString()));
		TransferJob job = job("unresolvable", SHA256);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		awaitNotificationError(job, "cannot resolve", "bits.samples.digest");
		assertTrue(samples().isEmpty(), "nothing installed: " + samples());
	}

	@Test
	void aValidLiveCallbackWinsThenTheHandlerThenANewLiveCallback() throws Exception { // N5
		Bundle app = TestBundles.installEmpty(context, "bits.itest.app");
		try {
			ServiceReference<bits.api.TransferManager> ref = app.getBundleContext().getServiceReference(bits.api.TransferManager.class);
			bits.api.TransferManager appManager = app.getBundleContext().getService(ref);
			Recorder live = new Recorder();
			TransferJob first = job("first", RecordingHandler.ID);
			appManager.getJob(first.getId(), JobScope.ALL_OWNERS).setNotifyCallback(live);
			first.resume();
			await("the live callback", () -> live.count("transferred") == 1);
			assertFalse(RecordingHandler.CALLS.contains("first"), "the handler is not touched");

			TransferJob second = job("second", RecordingHandler.ID);
			appManager.getJob(second.getId(), JobScope.ALL_OWNERS).setNotifyCallback(live);
			app.stop(); // the live callback becomes invalid: the handler is used (N3, N5)
			second.resume();
			await("the handler", () -> RecordingHandler.CALLS.contains("second"));
			int activations = RecordingHandler.ACTIVATIONS.get();
			TransferJob third = job("third", RecordingHandler.ID);
			third.resume();
			await("the handler again", () -> RecordingHandler.CALLS.contains("third"));
			assertEquals(activations, RecordingHandler.ACTIVATIONS.get(), "the connected handler is reused");

			TransferJob fourth = job("fourth", RecordingHandler.ID);
			Recorder newer = new Recorder();
			fourth.setNotifyCallback(newer);
			fourth.resume();
			await("the new live callback", () -> newer.count("transferred") == 1);
			Thread.sleep(500);
			assertFalse(RecordingHandler.CALLS.contains("fourth"), "the handler is no longer used");
			assertEquals(1, live.count("transferred"));
		} finally {
			app.uninstall();
		}
	}

	@Test
	void aHandlerThatThrowsIsCalledAgainUntilItReturns() throws Exception { // N8, H6
		FlakyHandler.FAILURES.set(2);
		FlakyHandler.CALLS.set(0);
		TransferJob job = job("flaky", FlakyHandler.ID);
		job.resume();
		await(() -> "three calls, have " + FlakyHandler.CALLS.get() + "; " + job.getState() + " " + job.getNotificationError(),
				() -> FlakyHandler.CALLS.get() >= 3);
		await("acknowledged", () -> job.getNotificationError().isEmpty());
		Thread.sleep(1500);
		assertEquals(3, FlakyHandler.CALLS.get(), "not called after it returned");
	}

	@Test
	void aHandlerBundleUpdatedWhileANotificationIsPendingLosesNothing() throws Exception { // H5
		manager = Engine.configured(Map.of("handler.repositories", samplesIndex().toUri().toString(), "notify.owner.slots", 1));
		TransferJob warmUp = job("warm-up", COMPLETE);
		warmUp.resume();
		awaitState(warmUp, JobState.ACKNOWLEDGED);
		Bundle handler = installed(COMPLETE).orElseThrow();
		long before = handler.getLastModified();

		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch entered = new CountDownLatch(1);
		TransferJob blocker = job("blocker", null);
		blocker.setNotifyCallback(new TransferCallback() { // holds the owner's only slot
			@Override
			public void jobTransferred(TransferJob j) throws Exception {
				entered.countDown();
				release.await();
			}
		});
		blocker.resume();
		assertTrue(entered.await(60, TimeUnit.SECONDS));
		TransferJob pending = job("pending", COMPLETE);
		pending.resume();
		awaitState(pending, JobState.TRANSFERRED);
		handler.update(); // its service goes away and comes back while the notification waits
		assertTrue(handler.getLastModified() > before || handler.getState() == Bundle.ACTIVE);
		release.countDown();
		awaitState(pending, JobState.ACKNOWLEDGED);
		assertEquals(Bundle.ACTIVE, handler.getState());
	}

	@Test
	void trackingActivatesNoDelayedHandler() throws Exception { // H2
		assertEquals(0, LazyHandler.ACTIVATIONS.get());
		assertEquals(ComponentConfigurationDTO.SATISFIED, componentState(LazyHandler.class));
		HandlerInfo info = manager.listHandlers().stream().filter(h -> h.id().equals(LazyHandler.ID)).findFirst().orElseThrow();
		assertEquals(HandlerState.ACTIVE, info.state());
		assertEquals(0, LazyHandler.ACTIVATIONS.get());
	}

	@Test
	void anActivationFailureIsDiagnosedOnTheJob() throws Exception { // H6
		TransferJob job = job("broken", BrokenHandler.ID);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		awaitNotificationError(job, "failed to activate", "broken on purpose");
		JobError error = job.getNotificationError().orElseThrow();
		assertEquals(ErrorCodes.HANDLER_ACTIVATION_FAILED, error.code());
	}

	@Test
	void listHandlersShowsRegisteredInstalledAndIndexedIds() throws Exception { // issue 5 item 9
		Map<String, HandlerState> states = new java.util.TreeMap<>();
		manager.listHandlers().forEach(h -> states.put(h.id(), h.state()));
		assertEquals(HandlerState.AVAILABLE, states.get(COMPLETE));
		assertEquals(HandlerState.AVAILABLE, states.get(SHA256));
		assertEquals(HandlerState.ACTIVE, states.get(RecordingHandler.ID));
		installed(COMPLETE).ifPresent(b -> {
			throw new AssertionError("installed already");
		});
		TransferJob job = job("listed", COMPLETE);
		job.resume();
		awaitState(job, JobState.ACKNOWLEDGED);
		installed(COMPLETE).orElseThrow().stop();
		HandlerInfo info = manager.listHandlers().stream().filter(h -> h.id().equals(COMPLETE)).findFirst().orElseThrow();
		assertEquals(HandlerState.INSTALLED, info.state());
		assertEquals(COMPLETE, info.bundle());
	}

	@Test
	void anIdleHandlerIsReleasedSoItsComponentDeactivates() throws Exception { // issue 5 item 8
		manager = Engine.configured(Map.of("handler.repositories", samplesIndex().toUri().toString(), "handler.idle.s", 1L));
		int deactivations = RecordingHandler.DEACTIVATIONS.get();
		TransferJob job = job("idle", RecordingHandler.ID);
		job.resume();
		await("the handler", () -> RecordingHandler.CALLS.contains("idle"));
		// the state, not only the count: a component an earlier test left active may deactivate before this call
		await("the component deactivated", () -> componentState(RecordingHandler.class) == ComponentConfigurationDTO.SATISFIED);
		assertTrue(RecordingHandler.DEACTIVATIONS.get() > deactivations);
	}

	private static int componentState(Class<?> type) {
		ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
		ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(context.getBundle(), type.getName());
		return scr.getComponentConfigurationDTOs(d).iterator().next().state;
	}
}
