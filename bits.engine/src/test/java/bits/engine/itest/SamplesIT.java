package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;

/** The sample handlers of issue 6, installed on demand from the samples index. */
class SamplesIT extends WithNginx {
	private static final BundleContext context = FrameworkUtil.getBundle(SamplesIT.class).getBundleContext();

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/s.bin"), randomBytes(200_000, 5));
	}

	@BeforeEach
	void samplesIndex() throws Exception {
		Path index = Path.of(context.getProperty("bits.samples.index")).toAbsolutePath().normalize();
		manager = Engine.configured(Map.of("handler.repositories", index.toUri().toString()));
	}

	@AfterAll
	static void uninstallSamples() throws Exception {
		List<Bundle> samples = List.of(context.getBundles()).stream().filter(b -> b.getSymbolicName().startsWith("bits.samples.")).toList();
		for (Bundle b : samples) {
			b.uninstall();
		}
		CountDownLatch refreshed = new CountDownLatch(1);
		context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(samples, e -> refreshed.countDown());
		assertTrue(refreshed.await(60, TimeUnit.SECONDS));
	}

	private static TransferJob job(String name, String path, JobPriority priority, String handler) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(priority);
		job.addFiles(List.of(new FileSpec(nginx.uri(path), dest(name))));
		job.setHandlerId(handler);
		job.resume();
		return job;
	}

	@Test
	void rangeFallbackResumesAJobWithoutRangeSupportInTheForeground() throws Exception { // the seed's JobError example
		TransferJob job = job("norange", "/norange/s.bin", JobPriority.NORMAL, "bits.samples.rangefallback");
		awaitState(job, JobState.TRANSFERRED);
		assertEquals(JobPriority.FOREGROUND, job.getPriority());
		assertTrue(job.getNotificationError().isEmpty());
	}

	@Test
	void rangeFallbackLeavesAJobOver2GiBInErrorWithALogLine() throws Exception {
		Path big = nginx.root.resolve("files/sparse.bin");
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
			f.setLength(3L << 30); // sparse: 3 GiB announced, no disk used
		}
		try (Logs logs = new Logs("bits.samples.rangefallback")) {
			TransferJob job = job("toobig", "/norange/sparse.bin", JobPriority.NORMAL, "bits.samples.rangefallback");
			await(() -> "the handler's log line; job " + job.getState() + " " + job.getError() + " " + job.getNotificationError(),
					() -> logs.contains("left in error"));
			assertEquals(JobState.ERROR, job.getState());
			assertEquals(ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT, job.getError().orElseThrow().code());
			assertEquals(JobPriority.NORMAL, job.getPriority());
			assertTrue(logs.contains("over 2 GiB"), logs.toString());
		} finally {
			Files.delete(big);
		}
	}

	@Test
	void aProgressOnlyHandlerIsInstalledForModificationsAndLogsThem() throws Exception { // the seed's JobModification example
		try (Logs logs = new Logs("bits.samples.progress")) {
			TransferJob job = manager.createJob("progress");
			job.setNotifyFlags(java.util.EnumSet.of(bits.api.NotifyFlag.JOB_MODIFICATION));
			job.setHandlerId("bits.samples.progress");
			job.setDescription("a change"); // a modification: the handler is installed and its component activated for it
			ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
			await("the progress logger activated", () -> List.of(context.getBundles()).stream()
					.filter(b -> b.getSymbolicName().equals("bits.samples.progress")).anyMatch(b -> scr.getComponentDescriptionDTOs(b).stream()
							.flatMap(d -> scr.getComponentConfigurationDTOs(d).stream()).anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE)));
			await(() -> "its log line: " + logs, () -> logs.contains(job.getId() + " (progress) is SUSPENDED"));
		}
	}

	@Test
	void theLoggingHandlerLogsEachCallback() throws Exception {
		try (Logs logs = new Logs("bits.samples.logging")) {
			TransferJob job = manager.createJob("logged");
			job.setNotifyFlags(java.util.EnumSet.of(bits.api.NotifyFlag.JOB_TRANSFERRED, bits.api.NotifyFlag.FILE_TRANSFERRED));
			job.setPriority(JobPriority.FOREGROUND);
			job.addFiles(List.of(new FileSpec(nginx.uri("/files/s.bin"), dest("logged"))));
			job.setHandlerId("bits.samples.logging");
			job.resume();
			await(() -> "its log lines: " + logs, () -> logs.contains("file " + nginx.uri("/files/s.bin") + " transferred")
					&& logs.contains("(logged) transferred"));
		}
	}

	/** The log entries of one bundle's own loggers (not the framework's events about it), from the Log Service. */
	static final class Logs implements AutoCloseable {
		private final org.osgi.service.log.LogReaderService reader = context
				.getService(context.getServiceReference(org.osgi.service.log.LogReaderService.class));
		private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
		private final org.osgi.service.log.LogListener listener;

		Logs(String bundle) {
			listener = e -> {
				if (e.getBundle() != null && bundle.equals(e.getBundle().getSymbolicName()) && !e.getLoggerName().startsWith("Events.")) {
					lines.add(e.getMessage());
				}
			};
			reader.addLogListener(listener);
		}

		boolean contains(String words) {
			return lines.stream().anyMatch(l -> l.contains(words));
		}

		@Override
		public void close() {
			reader.removeLogListener(listener);
		}

		@Override
		public String toString() {
			return lines.toString();
		}
	}

	@Test
	void notifyCommandRunsTheProgramAndItsExitCodeAcknowledges() throws Exception { // BITS SetNotifyCmdLine
		Path marker = tmp.resolve("notified.txt");
		configure(new String[] { "sh", "-c", "echo %STATE% $BITS_JOB_NAME > " + marker });
		TransferJob ok = job("cmd-ok", "/files/s.bin", JobPriority.FOREGROUND, "bits.samples.notifycommand");
		// the shell creates the file before it writes the line: wait for the line
		await("the program ran", () -> Files.exists(marker) && readQuietly(marker).endsWith("\n"));
		awaitState(ok, JobState.TRANSFERRED);
		assertEquals("TRANSFERRED cmd-ok", Files.readString(marker).trim());
		assertTrue(ok.getNotificationError().isEmpty());

		configure(new String[] { "sh", "-c", "exit 3" });
		TransferJob failing = job("cmd-fails", "/files/s.bin", JobPriority.FOREGROUND, "bits.samples.notifycommand");
		await(() -> "not acknowledged: " + failing.getNotificationError(), () -> failing.getNotificationError()
				.map(e -> e.description().contains("exited with 3")).orElse(false));
		assertEquals(ErrorCodes.E_INVALIDARG, failing.getNotificationError().orElseThrow().code());
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file);
		} catch (java.io.IOException e) {
			return "";
		}
	}

	private static void configure(String[] command) throws Exception {
		ConfigurationAdmin admin = context.getService(context.getServiceReference(ConfigurationAdmin.class));
		Configuration c = admin.getConfiguration("bits.samples.notifycommand", "?");
		c.update(new Hashtable<>(Map.of("command", command, "timeout.s", 30L)));
	}
}
