package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;

import bits.api.ErrorCodes;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.TransferCallback;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Who is trusted: which repository indexes and bundle URLs handlers are installed from, how much is downloaded, which
 * bundles' handler services a job's notifications reach, and who may use the all-owners view.
 */
class TrustIT extends WithNginx {
	private static final String COMPLETE = "bits.samples.complete";
	private static final String COMPLETE_JAR = "bundles/bits.samples.complete-0.1.0-SNAPSHOT.jar";
	private static final BundleContext context = FrameworkUtil.getBundle(TrustIT.class).getBundleContext();
	private final List<Bundle> owners = new java.util.ArrayList<>();

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/t.bin"), randomBytes(50_000, 5));
	}

	@AfterEach
	void cleanUp() throws Exception {
		manager = Engine.configured();
		manager.listJobs(JobScope.ALL_OWNERS).forEach(TransferJob::cancel);
		for (Bundle b : owners) {
			b.uninstall();
		}
		List<Bundle> samples = List.of(context.getBundles()).stream().filter(b -> b.getSymbolicName().startsWith("bits.samples.")).toList();
		samples.forEach(b -> {
			try {
				b.uninstall();
			} catch (Exception e) {
				throw new IllegalStateException(e);
			}
		});
		CountDownLatch refreshed = new CountDownLatch(1);
		context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, e -> refreshed.countDown());
		assertTrue(refreshed.await(60, TimeUnit.SECONDS));
	}

	private static Path samplesIndex() {
		return Path.of(context.getProperty("bits.samples.index")).toAbsolutePath().normalize();
	}

	/** A copy of the samples repository (index and bundles) in the directory, to be altered. */
	private static Path repositoryCopy(Path dir) throws Exception {
		FileUtils.copyDirectory(samplesIndex().getParent().toFile(), dir.toFile());
		return dir.resolve("index.xml");
	}

	/**
	 * A file: repository that does not have {@value #COMPLETE}: configured after one that is refused, it shows that
	 * the configuration was taken (Engine waits for its ids) while the refused one provides nothing.
	 */
	private static String witness() throws Exception {
		Path index = repositoryCopy(Files.createTempDirectory(tmp, "witness"));
		String xml = Files.readString(index);
		int at = xml.indexOf("\"" + COMPLETE + "\"");
		int start = xml.lastIndexOf("<resource>", at);
		int end = xml.indexOf("</resource>", at) + "</resource>".length();
		Files.writeString(index, xml.substring(0, start) + xml.substring(end));
		return index.toUri().toString();
	}

	private static boolean installed(String symbolicName) {
		return List.of(context.getBundles()).stream().anyMatch(b -> symbolicName.equals(b.getSymbolicName()));
	}

	private static TransferJob job(TransferManager m, String name, String handler) throws Exception {
		TransferJob job = m.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		job.addFile(nginx.uri("/files/t.bin"), dest(name));
		job.setMinimumRetryDelay(java.time.Duration.ofSeconds(1));
		if (handler != null) {
			job.setHandlerId(handler);
		}
		return job;
	}

	private static void awaitNotificationError(TransferJob job, String... words) throws Exception {
		await(() -> "a notification error with " + List.of(words) + ", have " + job.getNotificationError(), () -> job
				.getNotificationError().map(e -> List.of(words).stream().allMatch(e.description()::contains)).orElse(false));
	}

	private Bundle owner(String symbolicName, boolean importsApi) throws Exception {
		Bundle b = importsApi ? TestBundles.installImportingApi(context, symbolicName) : TestBundles.installEmpty(context, symbolicName);
		owners.add(b);
		return b;
	}

	// --- repositories and downloads

	@Test
	void aPlainHttpIndexIsRefusedUnlessItsDigestIsPinned() throws Exception { // trust: http index only with a pinned SHA-256
		Path index = repositoryCopy(nginx.root.resolve("files/plain"));
		String http = nginx.uri("/files/plain/index.xml").toString();
		try (SamplesIT.Logs logs = new SamplesIT.Logs("bits.engine")) {
			manager = Engine.configured(Map.of("handler.repositories", List.of(http, witness())));
			await(() -> "the refusal in the log: " + logs, () -> logs.contains("a plain http: index could be altered on the way"));
		}
		TransferJob job = job(manager, "plain", null);
		TransferException e = assertThrows(TransferException.class, () -> job.setHandlerId(COMPLETE));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, e.getCode());
		assertTrue(manager.listHandlers().stream().noneMatch(h -> h.source().startsWith(http)), manager.listHandlers().toString());
		assertTrue(nginx.requests("/files/plain/index.xml").isEmpty(), "never fetched");

		// pinned with its digest: used end to end, the handler installed on demand and called
		manager = Engine.configured(Map.of("handler.repositories", http + ";sha256=" + Engine.sha256(index)));
		TransferJob pinned = job(manager, "pinned", COMPLETE);
		pinned.resume();
		awaitState(pinned, JobState.ACKNOWLEDGED); // the handler called complete()
		assertTrue(installed(COMPLETE));
	}

	@Test
	void anIndexWhoseDigestIsNotThePinnedOneIsRefusedAndNothingInstalled() throws Exception { // trust: the pin is checked
		repositoryCopy(nginx.root.resolve("files/wrongpin"));
		String http = nginx.uri("/files/wrongpin/index.xml").toString();
		String wrong = "ab".repeat(32);
		try (SamplesIT.Logs logs = new SamplesIT.Logs("bits.engine")) {
			manager = Engine.configured(Map.of("handler.repositories", List.of(http + ";sha256=" + wrong, witness())));
			await(() -> "the refusal in the log: " + logs, () -> logs.contains("but its configuration pins " + wrong));
			assertTrue(logs.contains(http), logs.toString());
		}
		TransferJob job = job(manager, "wrongpin", null);
		TransferException e = assertThrows(TransferException.class, () -> job.setHandlerId(COMPLETE));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, e.getCode());
		assertTrue(!installed(COMPLETE), "nothing installed");
	}

	@Test
	void aBundleUrlOutsideTheIndexsOriginIsRefusedUnlessUnderAConfiguredRoot() throws Exception { // trust: bundle URLs
		Path index = repositoryCopy(Files.createTempDirectory(tmp, "elsewhere"));
		URI other = samplesIndex().getParent().resolve(COMPLETE_JAR).toUri(); // the same bytes, in another directory
		Files.writeString(index, Files.readString(index).replace("\"" + COMPLETE_JAR + "\"", "\"" + other + "\""));
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString()));
		TransferJob job = job(manager, "elsewhere", COMPLETE);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		awaitNotificationError(job, other.toString(), "outside its index's origin", "handler.bundle.roots");
		assertEquals(ErrorCodes.HANDLER_ACTIVATION_FAILED, job.getNotificationError().orElseThrow().code());
		assertTrue(!installed(COMPLETE), "nothing installed");

		// under a configured root it is allowed
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString(), "handler.bundle.roots",
				samplesIndex().getParent().toUri().toString()));
		TransferJob allowed = job(manager, "rooted", COMPLETE);
		allowed.resume();
		awaitState(allowed, JobState.ACKNOWLEDGED);
	}

	@Test
	void aBundleLargerThanTheDownloadLimitIsRefusedAndNothingInstalled() throws Exception { // trust: bounded downloads
		Path index = repositoryCopy(Files.createTempDirectory(tmp, "large"));
		Path jar = index.resolveSibling(COMPLETE_JAR);
		String sha = Engine.sha256(jar).toUpperCase();
		byte[] padded = java.util.Arrays.copyOf(Files.readAllBytes(jar), 40_000); // the index stays below the limit
		Files.write(jar, padded);
		Files.writeString(index, Files.readString(index).replace(sha, Engine.sha256(padded).toUpperCase()));
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString(), "handler.download.max.bytes", 30_000L));
		TransferJob job = job(manager, "large", COMPLETE);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		awaitNotificationError(job, "too large", "handler.download.max.bytes");
		assertTrue(!installed(COMPLETE), "nothing installed");
	}

	// --- whose handlers reach whose jobs

	@Test
	void anotherBundlesHandlerServiceDoesNotReceiveAJobsNotifications() throws Exception { // trust: handler ids are tied to bundles
		manager = Engine.configured(Map.of("handler.repositories", samplesIndex().toUri().toString()));
		String own = "bits.itest.hijacker.own";
		Bundle hijacker = owner("bits.itest.hijacker", true);
		Recorder stolen = new Recorder();
		Hashtable<String, Object> ids = new Hashtable<>(Map.of(TransferCallback.HANDLER_PROPERTY, new String[] { COMPLETE, own }));
		hijacker.getBundleContext().registerService(TransferCallback.class, stolen, ids);
		Bundle victim = owner("bits.itest.victim", false);
		TransferManager victims = Engine.manager(victim.getBundleContext());

		// the id of an engine-installed sample: the sample is installed and called, not the other bundle's service
		TransferJob sample = job(victims, "victim-sample", COMPLETE);
		sample.resume();
		awaitState(sample, JobState.ACKNOWLEDGED);
		assertTrue(installed(COMPLETE));
		// an id only the other bundle provides is unknown for the victim's jobs (SPEC N6 agrees with delivery)
		TransferJob victimsJob = job(victims, "victim-own", null);
		TransferException e = assertThrows(TransferException.class, () -> victimsJob.setHandlerId(own));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, e.getCode());

		// a bundle may always handle its own jobs
		TransferJob hijackers = job(Engine.manager(hijacker.getBundleContext()), "hijacker-own", own);
		hijackers.resume();
		await(() -> "its own job's notification, have " + stolen.calls, () -> stolen.count("transferred") == 1);
		assertTrue(stolen.calls.size() == 1, "only its own job: " + stolen.calls);

		// listed in handler.bundles, it handles every owner's jobs
		manager = Engine.configured(Map.of("handler.repositories", samplesIndex().toUri().toString(), "handler.bundles",
				"bits.itest.hijacker"));
		TransferJob listed = job(Engine.manager(victim.getBundleContext()), "victim-listed", null);
		await("the handler component took handler.bundles", () -> { // in place, perhaps a moment after the restart
			try {
				listed.setHandlerId(own);
				return true;
			} catch (TransferException notYet) {
				return false;
			}
		});
		listed.resume();
		await(() -> "the listed bundle's handler, have " + stolen.calls, () -> stolen.count("transferred") == 2);
	}

	// --- the all-owners view

	@Test
	void onlyAdminBundlesMayUseTheAllOwnersView() throws Exception { // trust: ALL_OWNERS is a privilege (admin.bundles)
		TransferJob mine = job(manager, "private", null);
		TransferManager other = Engine.manager(owner("bits.itest.nonadmin", false).getBundleContext());
		TransferException listing = assertThrows(TransferException.class, () -> other.listJobs(JobScope.ALL_OWNERS));
		assertEquals(ErrorCodes.E_ACCESSDENIED, listing.getCode());
		assertTrue(listing.getMessage().contains("bits.itest.nonadmin") && listing.getMessage().contains("admin.bundles"),
				listing.getMessage());
		TransferException finding = assertThrows(TransferException.class, () -> other.getJob(mine.getId(), JobScope.ALL_OWNERS));
		assertEquals(ErrorCodes.E_ACCESSDENIED, finding.getCode());
		assertTrue(other.listJobs(JobScope.OWNER).isEmpty(), "its own view still works");

		TransferManager admin = Engine.manager(owner("bits.itest.admin", false).getBundleContext()); // in Engine's admin.bundles
		assertEquals("bits.engine-tests", admin.getJob(mine.getId(), JobScope.ALL_OWNERS).getOwner());
		assertTrue(admin.listJobs(JobScope.ALL_OWNERS).stream().anyMatch(j -> j.getId().equals(mine.getId())));
	}
}
