package bitsbench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventHandler;

import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * JMH benchmarks of the in-process figures P3 and P5 (issue 7), in the distribution's bundles embedded as in
 * {@link InProcess}; bench.py runs them (system properties bench.jar, bench.index, bench.work). Closed loop: each
 * operation makes one change and waits, spinning, until the callback or handler was entered.
 */
@State(Scope.Benchmark)
public class BitsBench {
	static final String HANDLER = "bits.samples.complete";

	TransferJob job;
	volatile int entered;
	volatile int handled;
	int k;
	EventAdmin events;
	Path out;
	Path source;

	@Setup(Level.Trial)
	public void boot() throws Exception {
		InProcess.work = Path.of(System.getProperty("bench.work"), "jmh-" + ProcessHandle.current().pid());
		InProcess.start(Path.of(System.getProperty("bench.jar")), Path.of(System.getProperty("bench.index")).toAbsolutePath().normalize(), Map.of());
		job = InProcess.manager.createJob("jmh");
		job.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_MODIFICATION));
		job.setMinimumNotificationInterval(Duration.ZERO);
		job.setNotifyCallback(new TransferCallback() {
			@Override
			public void jobModification(TransferJob j) {
				entered = Integer.parseInt(j.getDescription());
			}
		});
		events = InProcess.system.getService(InProcess.system.getServiceReference(EventAdmin.class));
		EventHandler h = e -> handled = (Integer) e.getProperty("i");
		InProcess.system.registerService(EventHandler.class, h, new Hashtable<>(Map.of("event.topics", "bench/jmh")));
		out = Files.createDirectories(InProcess.work.resolve("out"));
		source = InProcess.work.resolve("files/p5.bin");
		Files.write(source, new byte[16]);
	}

	@TearDown(Level.Trial)
	public void stop() throws Exception {
		InProcess.framework.stop();
		InProcess.framework.waitForStop(30_000);
	}

	/** P3: a durable state change (setDescription returns after the commit) until the live callback is entered. */
	@Benchmark
	@BenchmarkMode(Mode.SampleTime)
	@OutputTimeUnit(TimeUnit.MICROSECONDS)
	public void p3ChangeToCallback() {
		int n = ++k;
		job.setDescription(Integer.toString(n));
		while (entered != n) {
			Thread.onSpinWait();
		}
	}

	/** P3's peer: Felix EventAdmin postEvent until the handler is entered (in memory, not durable). */
	@Benchmark
	@BenchmarkMode(Mode.SampleTime)
	@OutputTimeUnit(TimeUnit.MICROSECONDS)
	public void p3PeerEventAdminPostToHandler() {
		int n = ++k;
		events.postEvent(new Event("bench/jmh", Map.of("i", n)));
		while (handled != n) {
			Thread.onSpinWait();
		}
	}

	/** P5 cold: a TRANSFERRED job is given the handler id; until the handler (installed on demand) completed it. */
	@State(Scope.Thread)
	public static class Cold {
		TransferJob pending;
		Path dest;
		int round;

		@Setup(Level.Invocation)
		public void transferredJobWithoutItsHandler(BitsBench b) throws Exception {
			uninstall(HANDLER);
			dest = b.out.resolve("cold-" + (++round));
			pending = InProcess.manager.createJob("p5");
			pending.setPriority(JobPriority.FOREGROUND);
			pending.addFiles(List.of(new FileSpec(b.source.toUri(), dest)));
			pending.resume();
			while (pending.getState() != JobState.TRANSFERRED) {
				Thread.sleep(1);
			}
		}
	}

	@Benchmark
	@BenchmarkMode(Mode.SingleShotTime)
	@OutputTimeUnit(TimeUnit.MILLISECONDS)
	public void p5ColdHandlerInstalledAndRun(Cold c) {
		c.pending.setHandlerId(HANDLER); // the waiting JOB_TRANSFERRED now goes to the handler: resolve, verify, install, start
		while (!Files.exists(c.dest)) {
			java.util.concurrent.locks.LockSupport.parkNanos(20_000); // not a spin: on 2 cores it would take one from the engine
		}
	}

	/** P5's peer: a plain install + start + getService of the same handler bundle. */
	@State(Scope.Thread)
	public static class Plain {
		@Setup(Level.Invocation)
		public void notInstalled() throws Exception {
			uninstall(HANDLER);
		}
	}

	@Benchmark
	@BenchmarkMode(Mode.SingleShotTime)
	@OutputTimeUnit(TimeUnit.MILLISECONDS)
	public Object p5PeerPlainInstallStartGetService(Plain p) throws Exception {
		Path jar = Path.of(System.getProperty("bench.index")).toAbsolutePath().getParent().resolve("bundles/bits.samples.complete-0.1.0-SNAPSHOT.jar");
		Bundle b = InProcess.system.installBundle(jar.toUri().toString());
		b.start();
		ServiceReference<?>[] refs = InProcess.system.getServiceReferences(TransferCallback.class.getName(), "(bits.handler=" + HANDLER + ")");
		return InProcess.system.getService(refs[0]);
	}

	/** P5 warm: a connected handler; a change until its entry. */
	@State(Scope.Thread)
	public static class Warm {
		TransferJob handled;
		volatile int seen;
		int n;

		@Setup(Level.Trial)
		public void connected(BitsBench b) {
			InProcess.system.registerService(TransferCallback.class, new TransferCallback() {
				@Override
				public void jobModification(TransferJob j) {
					seen = Integer.parseInt(j.getDescription());
				}
			}, new Hashtable<>(Map.of("bits.handler", "bench.warm")));
			handled = InProcess.manager.createJob("p5-warm");
			handled.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_MODIFICATION));
			handled.setMinimumNotificationInterval(Duration.ZERO);
			handled.setHandlerId("bench.warm");
		}
	}

	@Benchmark
	@BenchmarkMode(Mode.SampleTime)
	@OutputTimeUnit(TimeUnit.MICROSECONDS)
	public void p5WarmChangeToHandler(Warm w) {
		int n = ++w.n;
		w.handled.setDescription(Integer.toString(n));
		while (w.seen != n) {
			Thread.onSpinWait();
		}
	}

	static void uninstall(String symbolicName) throws Exception {
		for (Bundle b : InProcess.system.getBundles()) {
			if (symbolicName.equals(b.getSymbolicName())) {
				b.uninstall();
				CountDownLatch done = new CountDownLatch(1);
				InProcess.system.getBundle().adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> done.countDown());
				done.await(30, TimeUnit.SECONDS);
			}
		}
	}
}
