package bits.engine.shell;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.io.file.PathUtils;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

import com.sun.net.httpserver.HttpServer;

import bits.api.HandlerInfo;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * {@code bits:demo}: downloads a generated file from a loopback server through the engine, with the sample logging
 * handler named on the job, so the handler is installed from the samples index on demand; shows what the handler
 * logs for each callback it receives, then completes the job, checks the file and cleans up. Offline.
 */
@Component(service = DemoCommand.class, property = { "osgi.command.scope=bits", "osgi.command.function=demo" })
public class DemoCommand {
	static final String HANDLER = "bits.samples.logging";
	private static final long WAIT_MILLIS = 30_000;

	@Reference
	private TransferManager manager;
	@Reference
	private LogReaderService logs;

	@Descriptor("an offline demo: a loopback download whose sample handler (" + HANDLER + ") is installed from the samples index on demand")
	public String demo(CommandSession session, @Descriptor("bytes to serve (default 16 MiB)") @Parameter(names = "--size", absentValue = "16777216") String size)
			throws IOException, InterruptedException {
		if (Usage.helped(session, this, "demo", size)) {
			return null;
		}
		int bytes = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(1, Args.positive("size", size)));
		PrintStream out = session.getConsole(); // the handler's log lines arrive on another thread
		byte[] data = new byte[bytes];
		new Random(7).nextBytes(data);
		Path dir = Files.createTempDirectory("bits-demo");
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/demo.bin", exchange -> {
			exchange.sendResponseHeaders(200, data.length);
			try (OutputStream body = exchange.getResponseBody()) {
				body.write(data);
			}
		});
		AtomicInteger handlerLines = new AtomicInteger();
		LogListener listener = entry -> {
			// the handler's own lines, not the framework's events about its bundle (loggers "Events.*")
			if (entry.getBundle() != null && entry.getBundle().getSymbolicName().equals(HANDLER) && !entry.getLoggerName().startsWith("Events.")) {
				out.println("   handler " + HANDLER + " logged: " + entry.getMessage());
				handlerLines.incrementAndGet();
			}
		};
		server.start();
		logs.addLogListener(listener);
		TransferJob job = null;
		try {
			URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/demo.bin");
			out.println("1. serving " + Progress.bytes(bytes) + " of generated data at " + url + " (loopback only)");
			out.println("2. handler " + HANDLER + " before: " + handler(awaitKnown()));
			job = manager.createJob("bits demo");
			job.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.FILE_TRANSFERRED, NotifyFlag.JOB_ERROR));
			job.setHandlerId(HANDLER);
			Path dest = dir.resolve("demo.bin");
			job.addFile(url, dest);
			job.setPriority(JobPriority.FOREGROUND);
			job.resume();
			out.println("3. job " + job.getId() + " \"bits demo\" downloads it to " + dest + " with handler id " + HANDLER);
			Progress progress = new Progress(System.err, false);
			long deadline = System.currentTimeMillis() + WAIT_MILLIS;
			while (job.getState() != JobState.TRANSFERRED && job.getState() != JobState.ERROR && System.currentTimeMillis() < deadline) {
				progress.show(List.of(job));
				Thread.sleep(100);
			}
			progress.show(List.of(job));
			if (job.getState() != JobState.TRANSFERRED) {
				throw new IllegalStateException("the demo job is " + job.getState() + job.getError().map(e -> ": " + e).orElse(""));
			}
			out.println("4. the job is TRANSFERRED; the engine installs the handler and notifies it:");
			while (handlerLines.get() < 2 && System.currentTimeMillis() < deadline) { // FILE_TRANSFERRED, then JOB_TRANSFERRED
				Thread.sleep(50);
			}
			if (handlerLines.get() < 2) {
				throw new IllegalStateException("the handler did not log its callbacks" + job.getNotificationError().map(e -> ": " + e).orElse(""));
			}
			out.println("5. handler " + HANDLER + " after: " + handler(known()));
			job.complete();
			boolean same = java.util.Arrays.equals(Files.readAllBytes(dest), data);
			out.println("6. completed: " + dest + " " + (same ? "has the served bytes (compared byte for byte)" : "DIFFERS"));
			if (!same) {
				throw new IllegalStateException("the downloaded file differs from the served one");
			}
			return "demo done; cleaned up " + dir;
		} finally {
			logs.removeLogListener(listener);
			server.stop(0);
			if (job != null && !job.getState().isFinal()) {
				job.cancel();
			}
			PathUtils.deleteDirectory(dir);
		}
	}

	/** Waits for the handler id to be known: the configured samples index is read after the engine starts. */
	private HandlerInfo awaitKnown() throws InterruptedException {
		long deadline = System.currentTimeMillis() + WAIT_MILLIS;
		HandlerInfo h;
		while ((h = known()) == null && System.currentTimeMillis() < deadline) {
			Thread.sleep(100);
		}
		if (h == null) {
			throw new IllegalStateException("no configured repository provides " + HANDLER + "; set handler.repositories to the samples index "
					+ "(bits.samples/index/target/repo/index.xml)");
		}
		return h;
	}

	private HandlerInfo known() {
		return manager.listHandlers().stream().filter(h -> h.id().equals(HANDLER)).findFirst().orElse(null);
	}

	private static String handler(HandlerInfo h) {
		return h.state() + " (" + h.bundle() + " " + h.version() + " from " + h.source() + ")";
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
