package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferFile;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.api.ValidationState;

/** Live callbacks and the durable outbox (SPEC N1-N9, N11, N12). */
class NotifyIT extends WithNginx {
	@BeforeAll
	static void files() throws Exception {
		for (int i = 0; i < 3; i++) {
			Files.write(nginx.root.resolve("files/n" + i + ".bin"), randomBytes(64 << 10, 30 + i));
		}
	}

	private static TransferJob job(String name, int files) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		List<FileSpec> specs = new ArrayList<>();
		for (int i = 0; i < files; i++) {
			specs.add(new FileSpec(nginx.uri("/files/n" + i + ".bin"), dest(name + "-" + i)));
		}
		job.addFiles(specs);
		return job;
	}

	@Test
	void aCallbackRegisteredAfterTheEventIsNotifiedOnce() throws Exception { // N7
		TransferJob job = job("late", 1);
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		await("jobTransferred", () -> r.count("transferred") == 1);
		Thread.sleep(1500);
		assertEquals(List.of("transferred"), r.calls);
	}

	@Test
	void aCallbackThatThrowsIsCalledAgainUntilItReturns() throws Exception { // N8
		TransferJob job = job("throws", 1);
		Recorder r = new Recorder();
		r.failFirst = 3;
		job.setNotifyCallback(r);
		job.resume();
		await("the failure recorded on the job", () -> job.getNotificationError().isPresent());
		await("a fourth call", () -> r.count("transferred") == 4);
		await("the failure cleared once acknowledged", () -> job.getNotificationError().isEmpty());
		Thread.sleep(3000); // past the next back-off step
		assertEquals(4, r.count("transferred"), "never again once acknowledged");
	}

	@Test
	void theLastRegistrantWinsAndNullClears() throws Exception { // N4
		TransferJob job = job("replace", 1);
		Recorder first = new Recorder();
		Recorder second = new Recorder();
		job.setNotifyCallback(first);
		job.setNotifyCallback(second);
		assertEquals(second, job.getNotifyCallback().orElseThrow());
		job.resume();
		await("the second callback", () -> second.count("transferred") == 1);
		assertEquals(0, first.calls.size());
		job.setNotifyCallback(null);
		assertTrue(job.getNotifyCallback().isEmpty());
	}

	@Test
	void aStoppedBundlesCallbackIsDroppedAndTheNotificationWaitsForTheNext() throws Exception { // N3, N7
		TransferJob job = job("bundle-stops", 1);
		Bundle other = TestBundles.installEmpty(FrameworkUtil.getBundle(NotifyIT.class).getBundleContext(), "bits.itest.registrant");
		Recorder gone = new Recorder();
		try {
			ServiceReference<TransferManager> ref = other.getBundleContext().getServiceReference(TransferManager.class);
			TransferJob theirs = other.getBundleContext().getService(ref).getJob(job.getId(), JobScope.ALL_OWNERS);
			theirs.setNotifyCallback(gone);
			assertEquals(gone, job.getNotifyCallback().orElseThrow());
			other.stop();
			assertTrue(job.getNotifyCallback().isEmpty(), "invalid once its bundle stopped");
		} finally {
			other.uninstall();
		}
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		Thread.sleep(1000);
		assertEquals(0, gone.calls.size(), "never called after its bundle stopped");
		Recorder next = new Recorder();
		job.setNotifyCallback(next);
		await("the next registrant", () -> next.count("transferred") == 1);
	}

	@Test
	void flagsChooseTheMethodsAndDisableSuppressesAll() throws Exception { // N1
		TransferJob disabled = job("disabled", 1);
		disabled.setNotifyFlags(EnumSet.of(NotifyFlag.DISABLE, NotifyFlag.JOB_TRANSFERRED));
		Recorder none = new Recorder();
		disabled.setNotifyCallback(none);
		TransferJob errorOnly = job("error-only", 1);
		errorOnly.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_ERROR));
		Recorder errors = new Recorder();
		errorOnly.setNotifyCallback(errors);
		disabled.resume();
		errorOnly.resume();
		awaitState(disabled, JobState.TRANSFERRED);
		awaitState(errorOnly, JobState.TRANSFERRED);
		Thread.sleep(1500);
		assertEquals(List.of(), none.calls);
		assertEquals(List.of(), errors.calls);
	}

	@Test
	void filesAreNotifiedInOrderBeforeTheJobOneCallAtATime() throws Exception { // N9, N12
		TransferJob job = job("ordered", 3);
		job.setNotifyFlags(EnumSet.of(NotifyFlag.FILE_TRANSFERRED, NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_MODIFICATION));
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		job.resume();
		await("jobTransferred", () -> r.count("transferred") == 1);
		Thread.sleep(1500);
		List<String> terminal = r.calls.stream().filter(c -> !c.startsWith("modification")).toList();
		assertEquals(List.of("file 0", "file 1", "file 2", "transferred"), terminal);
		List<String> all = new ArrayList<>(r.calls);
		assertEquals("transferred", all.get(all.size() - 1), "no modification after the terminal notification: " + all);
		assertEquals(1, r.maxInside.get(), "never two callbacks of one job at once");
	}

	@Test
	void anInvalidFileFailsTheJobAValidOneLetsItProceed() throws Exception { // N12
		TransferJob bad = job("invalid", 2);
		bad.setNotifyFlags(EnumSet.of(NotifyFlag.FILE_TRANSFERRED, NotifyFlag.JOB_ERROR, NotifyFlag.JOB_TRANSFERRED));
		Recorder errors = new Recorder() {
			@Override
			public void fileTransferred(TransferJob job, TransferFile file) throws Exception {
				super.fileTransferred(job, file);
				file.setValidationState(file.getIndex() != 1);
			}
		};
		bad.setNotifyCallback(errors);
		bad.resume();
		await("jobError", () -> errors.count("error") == 1);
		assertEquals(JobState.ERROR, bad.getState());
		assertEquals(ErrorCodes.BG_E_VALIDATION_FAILED, bad.getError().orElseThrow().code());
		assertEquals(1, bad.getError().orElseThrow().file());
		assertEquals(ValidationState.VALID, bad.getFiles().get(0).getValidationState());
		assertEquals(ValidationState.INVALID, bad.getFiles().get(1).getValidationState());
		assertEquals(0, errors.count("transferred"));
	}

	@Test
	void modificationsAreCoalesced() throws Exception { // N11
		TransferJob job = manager.createJob("flood");
		job.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_MODIFICATION));
		Recorder r = new Recorder();
		job.setNotifyCallback(r);
		long start = System.nanoTime();
		int changes = 0;
		while (System.nanoTime() - start < 2_000_000_000L) {
			job.setDescription("d" + (++changes));
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		String last = "d" + changes;
		await("the latest state", () -> {
			synchronized (r.calls) {
				return !r.calls.isEmpty() && r.calls.get(r.calls.size() - 1).endsWith(" " + last);
			}
		});
		long calls = r.count("modification");
		assertTrue(calls <= seconds / 0.5 + 2, changes + " changes in " + seconds + " s gave " + calls + " calls");
		assertTrue(changes > calls * 5, "a flood: " + changes + " changes, " + calls + " calls");
	}

	@Test
	void aNotificationCarriesTheOwnersIdentityEvenAfterAnAdminChange() throws Exception { // N13
		TransferJob job = job("identity", 1);
		String[] seen = new String[1];
		job.setNotifyCallback(new TransferCallback() {
			@Override
			public void jobTransferred(TransferJob j) {
				seen[0] = j.getOwner() + " " + j.getDescription();
			}
		});
		Bundle admin = TestBundles.installEmpty(FrameworkUtil.getBundle(NotifyIT.class).getBundleContext(), "bits.itest.admin");
		try {
			ServiceReference<TransferManager> ref = admin.getBundleContext().getServiceReference(TransferManager.class);
			TransferJob viaAdmin = admin.getBundleContext().getService(ref).getJob(job.getId(), JobScope.ALL_OWNERS);
			viaAdmin.setDescription("changed by an admin");
			viaAdmin.resume();
		} finally {
			admin.uninstall();
		}
		await("jobTransferred", () -> seen[0] != null);
		assertEquals(manager.getOwner() + " changed by an admin", seen[0]);
	}
}
