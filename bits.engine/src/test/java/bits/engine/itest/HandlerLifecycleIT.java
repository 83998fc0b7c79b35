package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.ErrorCodes;
import bits.api.HandlerInfo;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.itest.HandlerBundles.Entry;
import bits.engine.itest.handlers.RecordingHandler;

/**
 * The handler lifecycle (SPEC H7-H9): a bundle the engine installed is updated before its next delivery when its index
 * offers a newer version or a rebuild, never while one of its callbacks runs, and no notification is lost; a job may
 * name a version range; handler bundles the engine installed that no job needs are uninstalled after the idle time,
 * others never. The handler bundles are built by {@link HandlerBundles}; each records on the job which version and
 * build delivered the notification ("1.0.1/b;").
 */
class HandlerLifecycleIT extends WithNginx {
	private static final BundleContext context = FrameworkUtil.getBundle(HandlerLifecycleIT.class).getBundleContext();
	private static final String PREFIX = "bits.itest.v.";

	@BeforeAll
	static void file() throws Exception {
		Files.write(nginx.root.resolve("files/lifecycle.bin"), Engine.randomBytes(20_000, 9));
	}

	@AfterEach
	void uninstallTestHandlers() throws Exception {
		System.getProperties().stringPropertyNames().stream().filter(p -> p.startsWith("bits.itest.")).forEach(System::clearProperty);
		manager.listJobs().forEach(TransferJob::cancel);
		List<Bundle> built = List.of(context.getBundles()).stream().filter(b -> b.getSymbolicName().startsWith(PREFIX)).toList();
		for (Bundle b : built) {
			b.uninstall();
		}
		CountDownLatch refreshed = new CountDownLatch(1);
		context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(built, e -> refreshed.countDown());
		assertTrue(refreshed.await(60, TimeUnit.SECONDS));
	}

	private static TransferJob job(String name, String handler) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		job.setMinimumRetryDelay(java.time.Duration.ofSeconds(1));
		job.addFile(nginx.uri("/files/lifecycle.bin"), dest(name));
		if (handler != null) {
			job.setHandlerId(handler);
		}
		return job;
	}

	private static TransferJob delivered(String name, String handler) throws Exception {
		TransferJob job = job(name, handler);
		job.resume();
		awaitState(job, JobState.ACKNOWLEDGED); // the handler completed it
		return job;
	}

	private static List<Bundle> bundles(String name) {
		return List.of(context.getBundles()).stream().filter(b -> b.getSymbolicName().equals(name)).toList();
	}

	private static Bundle bundle(String name) {
		List<Bundle> found = bundles(name);
		assertEquals(1, found.size(), "bundles " + name + ": " + found);
		return found.get(0);
	}

	private static Path repository(String name, Entry... entries) throws Exception {
		return HandlerBundles.repository(tmp.resolve(name), List.of(entries));
	}

	private static void configure(Path index, Map<String, Object> more) throws Exception {
		Map<String, Object> config = new java.util.HashMap<>(more);
		config.put("handler.repositories", index.toUri().toString());
		manager = Engine.configured(config);
	}

	private static Optional<HandlerInfo> info(String id) {
		return manager.listHandlers().stream().filter(h -> h.id().equals(id)).findFirst();
	}

	@Test
	void aNewerVersionInTheIndexReplacesTheHandlerBeforeItsNextDeliveryButNeverDuringACallback() throws Exception { // H7
		String name = PREFIX + "newer", id = "bits.itest.newer";
		Entry old = new Entry(name, "1.0.0", "a", id);
		// an update waits this long for running callbacks, then gives up until the notification is tried again
		configure(repository("newer", old), Map.of("handler.activation.timeout.ms", 500L));
		assertEquals("1.0.0/a;", delivered("first", id).getDescription());
		Bundle handler = bundle(name);

		System.setProperty("bits.itest.hold.held", "true");
		TransferJob held = job("held", id);
		held.resume();
		await("the held callback running", () -> System.getProperty("bits.itest.entered.held") != null);
		// what a user saw: the handler rebuilt as 1.0.1, only 1.0.1 in the index, the 1.0.0 jar deleted
		Files.delete(tmp.resolve("newer/bundles/" + old.file()));
		repository("newer", new Entry(name, "1.0.1", "b", id));
		TransferJob pending = job("pending", id);
		pending.resume();
		await(() -> "the update waiting for the running callback: " + pending.getNotificationError(), () -> pending.getNotificationError()
				.map(e -> e.description().contains("a callback of " + name + " 1.0.0 is still running")).orElse(false));
		assertEquals("1.0.0", handler.getVersion().toString(), "not updated while a callback runs");
		assertEquals(JobState.TRANSFERRED, pending.getState(), "its notification waits in the outbox");

		System.clearProperty("bits.itest.hold.held");
		awaitState(held, JobState.ACKNOWLEDGED);
		assertEquals("1.0.0/a;", held.getDescription(), "the running callback ended in the version it began in");
		awaitState(pending, JobState.ACKNOWLEDGED);
		assertEquals("1.0.1/b;", pending.getDescription(), "the pending notification, delivered once, by the new version");
		assertEquals(handler.getBundleId(), bundle(name).getBundleId(), "updated in place");
		assertEquals("1.0.1", handler.getVersion().toString());
		assertEquals(Bundle.ACTIVE, handler.getState());
		HandlerInfo info = info(id).orElseThrow();
		assertEquals("1.0.1", info.version());
		assertEquals("1.0.1", info.available());
	}

	@Test
	void theSameVersionWithAnotherSha256IsUpdatedToo() throws Exception { // H7
		String name = PREFIX + "rebuilt", id = "bits.itest.rebuilt";
		configure(repository("rebuilt", new Entry(name, "1.0.0", "a", id)), Map.of());
		assertEquals("1.0.0/a;", delivered("before", id).getDescription());
		Bundle handler = bundle(name);

		repository("rebuilt", new Entry(name, "1.0.0", "b", id)); // rebuilt under the same version and file name
		assertEquals("1.0.0/b;", delivered("after", id).getDescription());
		assertEquals(handler.getBundleId(), bundle(name).getBundleId(), "updated in place");
		assertEquals("b", handler.getHeaders("").get("X-Build"));
		assertEquals("1.0.0/b;", delivered("again", id).getDescription()); // up to date: no further update
	}

	@Test
	void aVersionRangeKeepsTheJobOnItsMajorVersionWhenTheIndexOffersANewerOne() throws Exception { // H8
		String name = PREFIX + "ranged", id = "bits.itest.ranged";
		String ranged = id + ";version=[2,3)";
		configure(repository("ranged", new Entry(name, "2.0.0", "a", id), new Entry(name, "3.0.0", "a", id)), Map.of());
		TransferJob first = delivered("two", ranged);
		assertEquals(Optional.of(ranged), first.getHandlerId(), "persisted as given");
		assertEquals("2.0.0/a;", first.getDescription(), "3.0.0 is out of the range");
		assertEquals("2.0.0", bundle(name).getVersion().toString());

		repository("ranged", new Entry(name, "2.0.0", "a", id), new Entry(name, "2.1.0", "a", id), new Entry(name, "3.0.0", "a", id));
		assertEquals("2.1.0/a;", delivered("two-one", ranged).getDescription(), "updated within the range");
		assertEquals("2.1.0", bundle(name).getVersion().toString(), "never to 3.0.0");

		// persisted with the job, and honoured again after an engine restart
		TransferJob waiting = job("after-restart", ranged);
		manager = Engine.restart();
		TransferJob reloaded = manager.getJob(waiting.getId());
		assertEquals(Optional.of(ranged), reloaded.getHandlerId());
		reloaded.resume();
		awaitState(reloaded, JobState.ACKNOWLEDGED);
		assertEquals("2.1.0/a;", reloaded.getDescription());

		TransferJob none = job("four", null);
		TransferException e = assertThrows(TransferException.class, () -> none.setHandlerId(id + ";version=[4,5)"));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, e.getCode());
		TransferException bad = assertThrows(TransferException.class, () -> none.setHandlerId(id + ";version=[3,2)"));
		assertEquals(ErrorCodes.E_INVALIDARG, bad.getCode());
	}

	@Test
	void updatehandlerForcesTheUpdateAndHandlersShowsInstalledAndAvailableVersions() throws Exception { // H7
		String name = PREFIX + "forced", id = "bits.itest.forced";
		configure(repository("forced", new Entry(name, "1.0.0", "a", id)), Map.of());
		delivered("installs", id);
		repository("forced", new Entry(name, "1.1.0", "a", id));

		String listed = shell("bits:handlers");
		assertTrue(listed.contains(id + " ACTIVE " + name + " 1.0.0 ") && listed.contains(" available: 1.1.0 "), listed);
		// and the API's handlers resource (S1): the installed bundle, its state and the version the index offers
		ApiEngine api = ApiEngine.onDefaultStore(manager);
		HttpResponse<String> handlers = RestIT.call("GET", "/handlers", api.admin(), null, api.api());
		assertEquals(200, handlers.statusCode(), handlers.body());
		JsonNode h = StreamSupport.stream(new ObjectMapper().readTree(handlers.body()).spliterator(), false)
				.filter(n -> n.get("id").asText().equals(id)).findFirst().orElseThrow(() -> new AssertionError(handlers.body()));
		assertEquals(List.of("ACTIVE", name, "1.0.0", "1.1.0"), List.of(h.get("state").asText(), h.get("bundle").asText(),
				h.get("version").asText(), h.get("available").asText()), h.toString());
		assertEquals(bundle(name).getLocation(), h.get("source").asText(), "where the installed bundle came from");
		String updated = shell("bits:updatehandler " + id);
		assertTrue(updated.contains("updated: 1.0.0 -> 1.1.0"), updated);
		assertEquals("1.1.0", bundle(name).getVersion().toString(), "without any delivery");
		assertTrue(shell("bits:updatehandler " + id).contains("up to date: 1.1.0"));

		// bundles the engine did not install are never updated; only administrators may ask
		TransferException notOurs = assertThrows(TransferException.class, () -> manager.updateHandler(RecordingHandler.ID));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, notOurs.getCode());
		Bundle app = TestBundles.installEmpty(context, "bits.itest.lifecycle.app");
		try {
			TransferManager appManager = app.getBundleContext().getService(app.getBundleContext().getServiceReference(TransferManager.class));
			TransferException denied = assertThrows(TransferException.class, () -> appManager.updateHandler(id));
			assertEquals(ErrorCodes.E_ACCESSDENIED, denied.getCode());
		} finally {
			app.uninstall();
		}
	}

	@Test
	void anIdleOnDemandHandlerIsUninstalledAndABundleInstalledBySomeoneElseIsNot() throws Exception { // H9
		String name = PREFIX + "idle", id = "bits.itest.idle";
		String otherName = PREFIX + "other", otherId = "bits.itest.other";
		Bundle other = context.installBundle("test:" + otherName,
				new ByteArrayInputStream(HandlerBundles.jar(new Entry(otherName, "1.0.0", "o", otherId))));
		other.start();
		String keptName = PREFIX + "kept", keptId = "bits.itest.kept";
		configure(repository("idle", new Entry(name, "1.0.0", "a", id), new Entry(keptName, "1.0.0", "k", keptId)),
				Map.of("handler.uninstall.idle.s", 1L, "handler.bundles", List.of(otherName)));
		// installed first (the sweep looks at bundles oldest first), and still named by a job that has not run yet
		assertEquals("1.0.0/k;", delivered("kept-first", keptId).getDescription());
		Bundle kept = bundle(keptName);
		TransferJob keeper = job("keeper", keptId);
		TransferJob mine = job("on-demand", id);
		TransferJob theirs = job("theirs", otherId);
		mine.resume();
		theirs.resume();
		awaitState(mine, JobState.ACKNOWLEDGED);
		awaitState(theirs, JobState.ACKNOWLEDGED);
		assertEquals("1.0.0/o;", theirs.getDescription(), "the engine used the other bundle");
		Bundle installed = bundle(name);

		// no job names either id any more: after the idle time the engine's bundle goes, the other stays
		await("the idle handler uninstalled", () -> installed.getState() == Bundle.UNINSTALLED);
		assertEquals(Bundle.ACTIVE, other.getState(), "a bundle the engine did not install is never touched");
		assertEquals(Bundle.ACTIVE, kept.getState(), "a bundle a job still names stays, though idle longer");
		keeper.resume();
		awaitState(keeper, JobState.ACKNOWLEDGED);
		assertEquals("1.0.0/k;", keeper.getDescription());
		assertEquals(kept.getBundleId(), bundle(keptName).getBundleId(), "the same bundle, not installed again");
		assertTrue(info(otherId).isPresent());
		assertEquals(List.of(), bundles(name));

		// needed again: installed again on demand
		assertEquals("1.0.0/a;", delivered("again", id).getDescription());
	}

	private static String shell(String command) throws Exception {
		await("the shell", () -> context.getServiceReference(CommandProcessor.class) != null);
		CommandProcessor processor = context.getService(context.getServiceReference(CommandProcessor.class));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true),
				new PrintStream(out, true))) {
			Object result = session.execute(command);
			return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : session.format(result, 1));
		}
	}
}
