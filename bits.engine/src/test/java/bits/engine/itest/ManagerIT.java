package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

import bits.api.ErrorCodes;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** The manager service inside a real Felix framework: availability, owners, bad input (SPEC J1, J2, §5). */
@ExtendWith(BundleContextExtension.class)
@ExtendWith(ServiceExtension.class)
class ManagerIT {
	@InjectBundleContext
	BundleContext context;

	@InjectService
	TransferManager manager;

	@AfterEach
	void cancelOwnJobs() {
		manager.listJobs().forEach(TransferJob::cancel);
	}

	@Test
	void managerIsAvailableToAnotherBundleAndOwnedByIt() {
		Bundle me = FrameworkUtil.getBundle(ManagerIT.class);
		// the framework the run file chose (Felix: itest.bndrun, Equinox: itest-equinox.bndrun): proof of where this ran
		assertEquals(context.getProperty("bits.test.framework"), context.getBundle(0).getSymbolicName());
		assertEquals(me.getSymbolicName(), manager.getOwner());
		TransferJob job = manager.createJob("first");
		assertEquals(me.getSymbolicName(), job.getOwner());
		assertEquals(JobState.SUSPENDED, job.getState()); // J2: a new job is suspended
		assertEquals(JobPriority.NORMAL, job.getPriority());
		assertEquals(NotifyFlag.defaults(), job.getNotifyFlags()); // N1 default
		assertEquals(job, manager.getJob(job.getId()));
	}

	@Test
	void ownersAreSeparated() throws Exception {
		Bundle other = TestBundles.installEmpty(context, "bits.itest.other");
		try {
			ServiceReference<TransferManager> ref = other.getBundleContext().getServiceReference(TransferManager.class);
			TransferManager otherManager = other.getBundleContext().getService(ref);
			assertEquals("bits.itest.other", otherManager.getOwner());
			TransferJob theirs = otherManager.createJob("theirs");
			TransferJob mine = manager.createJob("mine");

			assertEquals(List.of(mine), manager.listJobs());
			assertEquals(List.of(theirs), otherManager.listJobs());
			TransferException e = assertThrows(TransferException.class, () -> manager.getJob(theirs.getId()));
			assertEquals(ErrorCodes.BG_E_NOT_FOUND, e.getCode());
			// the admin view sees every owner's jobs
			List<TransferJob> all = manager.listJobs(JobScope.ALL_OWNERS);
			assertTrue(all.contains(mine) && all.contains(theirs), all.toString());
			assertEquals("bits.itest.other", manager.getJob(theirs.getId(), JobScope.ALL_OWNERS).getOwner());
			theirs.cancel();
		} finally {
			other.uninstall();
		}
	}

	@Test
	void badInputGivesTheSpecErrorAndChangesNothing() {
		TransferJob job = manager.createJob("bad input");
		Path dest = Path.of(System.getProperty("java.io.tmpdir"), "bits-itest", "ok.bin");
		job.addFile(URI.create("http://127.0.0.1:1/ok.bin"), dest);
		var before = job.getTimes().modification();

		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(null, dest.resolveSibling("n")));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(URI.create("http:no-slashes"), dest.resolveSibling("m")));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(URI.create("gopher://h/x"), dest.resolveSibling("g")));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(URI.create("http://127.0.0.1:1/r"), Path.of("relative/r.bin")));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(URI.create("http://127.0.0.1:1/e"), dest.resolveSibling("../../escape")));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.addFile(URI.create("http://127.0.0.1:1/d"), dest)); // duplicate
		assertCode(ErrorCodes.BG_E_STRING_TOO_LONG, () -> job.setDisplayName("x".repeat(257)));
		assertCode(ErrorCodes.E_INVALIDARG, () -> job.setDisplayName(null));
		assertCode(ErrorCodes.BG_E_STRING_TOO_LONG, () -> manager.createJob("y".repeat(257)));
		assertCode(ErrorCodes.E_INVALIDARG, () -> manager.createJob(null));
		assertCode(ErrorCodes.E_INVALIDARG, () -> manager.createJob("up", null)); // uploads are jobs too since issue 18 (UploadClientIT)
		assertCode(ErrorCodes.BG_E_NOT_FOUND, () -> manager.getJob(UUID.randomUUID()));

		assertEquals(1, job.getFiles().size());
		assertEquals("bad input", job.getDisplayName());
		assertEquals(before, job.getTimes().modification());
		assertEquals(List.of(job), manager.listJobs());
	}

	@Test
	void finalJobRefusesStateChanges() { // J2: ACKNOWLEDGED and CANCELLED are final
		TransferJob job = manager.createJob("to cancel");
		job.cancel();
		assertEquals(JobState.CANCELLED, job.getState());
		assertFalse(manager.listJobs().contains(job));
		assertCode(ErrorCodes.BG_E_INVALID_STATE, job::cancel);
		assertCode(ErrorCodes.BG_E_INVALID_STATE, job::suspend);
		assertCode(ErrorCodes.BG_E_INVALID_STATE, () -> job.setDescription("late"));
		assertEquals("", job.getDescription());
	}

	@Test
	void apiExportsAtItsPackageVersionAndEngineExportsNothing() {
		Bundle api = FrameworkUtil.getBundle(TransferManager.class);
		List<BundleCapability> exports = api.adapt(BundleRevision.class).getDeclaredCapabilities("osgi.wiring.package");
		assertFalse(exports.isEmpty());
		for (BundleCapability c : exports) {
			assertEquals("1.4.0", c.getAttributes().get("version").toString(), c.toString()); // 1.1: setPlainHttpAuthenticationAllowed; 1.2: updateHandler, HandlerInfo.available; 1.3: createJob with its setup in one call; 1.4: UploadListener
		}
		Bundle engine = FrameworkUtil.getBundle(manager.getClass());
		assertEquals("bits.engine", engine.getSymbolicName());
		assertNull(engine.getHeaders().get("Export-Package"));
		assertNotNull(engine.getHeaders().get("Service-Component"));
	}

	private static void assertCode(int code, Runnable call) {
		TransferException e = assertThrows(TransferException.class, call::run);
		assertEquals(code, e.getCode(), e::toString);
		assertFalse(e.getMessage().isBlank());
	}
}
