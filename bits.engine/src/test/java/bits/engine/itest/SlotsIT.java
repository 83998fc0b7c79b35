package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;

import com.fasterxml.jackson.databind.ObjectMapper;

import bits.api.ErrorCodes;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.TransferCallback;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Four notifications per owner, and a stuck plugin silences no one (SPEC N10; callback timeout 3 s here). */
class SlotsIT extends WithNginx {
	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/slot.bin"), randomBytes(16 << 10, 40));
		engine = ApiEngine.start(Files.createTempDirectory("slots"), Map.of("notify.callback.timeout.ms", 3000L));
		manager = engine.manager();
	}

	private static ApiEngine engine;

	@Test
	void fourStuckCallbacksOfOneOwnerNeitherBlockOthersNorTheFifth() throws Exception {
		Bundle a = TestBundles.installEmpty(FrameworkUtil.getBundle(SlotsIT.class).getBundleContext(), "bits.itest.owner.a");
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger entered = new AtomicInteger();
		TransferCallback stuck = new TransferCallback() {
			@Override
			public void jobTransferred(TransferJob job) throws Exception {
				entered.incrementAndGet();
				release.await(); // blocks "forever": until the test ends
			}
		};
		List<TransferJob> theirs = new ArrayList<>();
		try {
			ServiceReference<TransferManager> ref = a.getBundleContext().getServiceReference(TransferManager.class);
			TransferManager ownerA = a.getBundleContext().getService(ref);
			for (int i = 0; i < 5; i++) {
				TransferJob job = ownerA.createJob("a" + i);
				job.setPriority(JobPriority.FOREGROUND);
				job.addFile(nginx.uri("/files/slot.bin"), dest("a" + i));
				job.resume();
				theirs.add(job);
			}
			for (TransferJob job : theirs) {
				Engine.awaitState(job, bits.api.JobState.TRANSFERRED);
			}
			theirs.forEach(j -> j.setNotifyCallback(stuck)); // all five notifications are due at once (N7)
			await(() -> "four of A's callbacks running; entered " + entered + ", jobs " + theirs.stream()
					.map(j -> j.getState() + "/" + j.getNotifyCallback().isPresent() + "/" + j.getNotificationError().orElse(null)).toList(),
					() -> entered.get() == 4);
			Thread.sleep(500);
			assertEquals(4, entered.get(), "at most four notifications of one owner in flight");

			TransferJob mine = manager.createJob("b");
			mine.setPriority(JobPriority.FOREGROUND);
			mine.addFile(nginx.uri("/files/slot.bin"), dest("b"));
			Recorder b = new Recorder();
			mine.setNotifyCallback(b);
			long start = System.nanoTime();
			mine.resume();
			await("owner B notified", () -> b.count("transferred") == 1);
			assertTrue(System.nanoTime() - start < 10_000_000_000L, "owner B is not delayed by owner A");

			await("A's fifth notification, once the timeout freed a slot", () -> entered.get() == 5);
			JobError reported = theirs.stream().map(j -> j.getNotificationError().orElse(null)).filter(e -> e != null).findFirst()
					.orElseThrow();
			assertEquals(ErrorCodes.E_TIMEOUT, reported.code());
			assertTrue(reported.description().contains("stuck"), reported.description());
			// the API shows them (S1): four callbacks past the timeout, still held
			HttpResponse<String> shown = ApiEngine.client().send(HttpRequest.newBuilder(URI.create(engine.api() + "/engine"))
					.header("Authorization", "Bearer " + engine.admin()).build(), BodyHandlers.ofString());
			assertEquals(200, shown.statusCode(), shown.body());
			assertTrue(new ObjectMapper().readTree(shown.body()).get("stuckCallbacks").asInt() >= 4, shown.body());
		} finally {
			release.countDown();
			theirs.forEach(TransferJob::cancel);
			a.uninstall();
		}
	}
}
