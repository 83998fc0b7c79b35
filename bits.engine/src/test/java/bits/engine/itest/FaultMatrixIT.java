package bits.engine.itest;

import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.TransferJob;
import bits.engine.itest.FaultProxy.Fault;
import bits.engine.itest.FaultProxy.Fault.Kind;

/**
 * The HTTP fault matrix (SPEC J4, J5, J6, J8; issue 7) as a table: each row is a fault of a real nginx, or of a
 * loopback proxy in front of it, the error the job must show (state, context, code), and the result: the job either
 * ends TRANSFERRED with the served file byte for byte, or stays in its error. The error is read from the job's
 * EventAdmin event: an interruption after progress is retried at once (J8), too soon for the job to be seen in it.
 */
class FaultMatrixIT extends WithNginx {
	private static final int MB = 1 << 20;

	/**
	 * One row. {@code file} is served from nginx's files/ under {@code location}; {@code faults} are taken by the
	 * proxy's connections in turn, {@code always} by every other one; {@code onError} runs when the error shows.
	 */
	record Row(String fault, String location, String file, int size, JobPriority priority, List<Fault> faults, Fault always,
			JobState errorState, ErrorContext context, int code, JobState result, int minRequests, Change onError) {
		@Override
		public String toString() {
			return fault;
		}

		boolean proxied() {
			return !faults.isEmpty() || always != null;
		}
	}

	/** Something done to the served file while the job waits to retry. */
	interface Change {
		void apply(Path file) throws Exception;
	}

	static Row row(String fault, String location, String file, JobPriority priority, JobState errorState, ErrorContext context, int code,
			JobState result) {
		return new Row(fault, location, file, 3 * MB, priority, List.of(), null, errorState, context, code, result, 1, null);
	}

	static Row proxied(String fault, JobPriority priority, List<Fault> faults, Fault always, ErrorContext context, int code, int minRequests,
			Change onError) {
		return new Row(fault, "/files/", fault.replaceAll("\\W+", "-") + ".bin", 3 * MB, priority, faults, always, JobState.TRANSIENT_ERROR,
				context, code, JobState.TRANSFERRED, minRequests, onError);
	}

	/** A fault after progress that the download resumes from in place (J8): no error shows, the file comes whole. */
	static Row resumed(String fault, JobPriority priority, List<Fault> faults, Fault always, int minRequests) {
		return new Row(fault, "/files/", fault.replaceAll("\\W+", "-") + ".bin", 3 * MB, priority, faults, always, null, null, 0,
				JobState.TRANSFERRED, minRequests, null);
	}

	static Stream<Row> matrix() {
		return Stream.of(
				row("HTTP 404", "/files/", "none.bin", JobPriority.FOREGROUND, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.httpError(404), JobState.ERROR),
				row("HTTP 403", "/forbidden/", "x.bin", JobPriority.NORMAL, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.httpError(403), JobState.ERROR),
				row("HTTP 429", "/status/", "429", JobPriority.FOREGROUND, JobState.TRANSIENT_ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.httpError(429),
						JobState.TRANSIENT_ERROR),
				row("redirect loop", "/", "loop", JobPriority.FOREGROUND, JobState.ERROR, ErrorContext.REMOTE_FILE, ErrorCodes.E_REDIRECT_FAILED, JobState.ERROR),
				row("no range support, background", "/norange/", "norange-bg.bin", JobPriority.NORMAL, JobState.ERROR, ErrorContext.REMOTE_FILE,
						ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT, JobState.ERROR),
				row("no range support, foreground", "/norange/", "norange-fg.bin", JobPriority.FOREGROUND, null, null, 0, JobState.TRANSFERRED),
				resumed("connection reset mid-body", JobPriority.NORMAL, List.of(new Fault(Kind.RESET, MB)), null, 2),
				resumed("body shorter than its length", JobPriority.NORMAL, List.of(new Fault(Kind.CLOSE, MB)), null, 2),
				proxied("stall past the read timeout", JobPriority.NORMAL, List.of(new Fault(Kind.STALL, MB)), null, ErrorContext.GENERAL_TRANSPORT,
						ErrorCodes.E_TIMEOUT, 2, null),
				proxied("slow-loris body", JobPriority.NORMAL, List.of(new Fault(Kind.TRICKLE, MB)), null, ErrorContext.GENERAL_TRANSPORT,
						ErrorCodes.E_TIMEOUT, 2, null),
				resumed("every connection dropped after 768 KiB", JobPriority.NORMAL, List.of(), new Fault(Kind.CLOSE, 768 << 10), 5),
				// the resume in place fails before any byte, and so does the retry at once (J8: the next waits 1 s), in
				// which the file changes
				proxied("file changed between resumes", JobPriority.NORMAL,
						Stream.of(List.of(new Fault(Kind.RESET, MB)), FaultProxy.FAIL_BEFORE_ANY_BYTE, FaultProxy.FAIL_BEFORE_ANY_BYTE).flatMap(List::stream).toList(), null,
						ErrorContext.GENERAL_TRANSPORT,
						ErrorCodes.E_CONNECTION_ERROR, 2, file -> {
							Files.write(file, randomBytes(3 * MB, 99)); // a new version: new ETag and Last-Modified
							Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
						}),
				// a background job needs ranges: the resume's 200 is refused, nothing of it mixed in (the range-fallback sample's case)
				new Row("200 instead of 206 on resume, background", "/files/", "200-bg.bin", 3 * MB, JobPriority.NORMAL,
						List.of(new Fault(Kind.RESET, MB), new Fault(Kind.STRIP_RANGE, 0)), null, JobState.ERROR, ErrorContext.REMOTE_FILE,
						ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT, JobState.ERROR, 2, null),
				// a foreground job takes the 200's whole body, from byte 0
				resumed("200 instead of 206 on resume, foreground", JobPriority.FOREGROUND,
						List.of(new Fault(Kind.RESET, MB), new Fault(Kind.STRIP_RANGE, 0)), null, 2));
	}

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/norange-bg.bin"), randomBytes(3 * MB, 1));
		Files.write(nginx.root.resolve("files/norange-fg.bin"), randomBytes(3 * MB, 2));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("matrix")
	void eachFaultGivesItsErrorAndACorrectResult(Row row) throws Exception {
		Path served = nginx.root.resolve("files/" + row.file());
		if (row.proxied()) {
			Files.write(served, randomBytes(row.size(), row.fault().hashCode()));
		}
		String path = row.location() + row.file();
		int before = nginx.requests(path).size();
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			row.faults().forEach(proxy::next);
			if (row.always() != null) {
				proxy.always(row.always());
			}
			URI uri = row.proxied() ? URI.create("http://127.0.0.1:" + proxy.port() + row.location() + row.file())
					: nginx.uri(row.location() + row.file());
			long kept = 0;
			List<Event> events = Collections.synchronizedList(new ArrayList<>());
			Dictionary<String, Object> props = new Hashtable<>();
			props.put(EventConstants.EVENT_TOPIC, "bits/job/*");
			ServiceRegistration<EventHandler> reg = FrameworkUtil.getBundle(FaultMatrixIT.class).getBundleContext()
					.registerService(EventHandler.class, events::add, props);
			TransferJob job = manager.createJob(row.fault());
			job.setPriority(row.priority());
			job.setMinimumRetryDelay(Duration.ZERO); // raised to BITS's floor of 5 s
			job.addFile(uri, dest(row.file()));
			job.resume();
			try {
				if (row.errorState() != null) {
					String topic = "bits/job/" + row.errorState();
					String id = job.getId().toString();
					Engine.await(() -> row.errorState() + " of " + id + " in " + events, () -> first(events, topic, id).isPresent());
					Event e = first(events, topic, id).orElseThrow();
					String error = e.getProperty("job.error.context") + " " + e.getProperty("job.error.code") + ": " + e.getProperty("job.error.description");
					assertEquals(row.context().name(), e.getProperty("job.error.context"), error);
					assertEquals(ErrorCodes.hex(row.code()), ErrorCodes.hex((Integer) e.getProperty("job.error.code")), error);
					assertTrue(!((String) e.getProperty("job.error.description")).isBlank());
					kept = (Long) e.getProperty("bytes.transferred");
					if (row.onError() != null) {
						row.onError().apply(served);
					}
				} else { // the events of the whole transfer, in order: none may be an error
					String id = job.getId().toString();
					Engine.await(() -> "TRANSFERRED of " + id + " in " + events, () -> first(events, "bits/job/TRANSFERRED", id).isPresent());
				}
			} finally {
				reg.unregister();
			}
			if (row.result() != JobState.TRANSFERRED && row.errorState() != null) {
				JobError e = job.getError().orElseThrow(); // the job shows the error it stays in
				assertEquals(row.context(), e.context(), e::toString);
				assertEquals(ErrorCodes.hex(row.code()), ErrorCodes.hex(e.code()), e::toString);
			}
			if (row.result() == JobState.TRANSFERRED) {
				awaitState(job, JobState.TRANSFERRED);
				job.complete();
				List<String> requests = nginx.requests(path);
				assertEquals(sha256(Files.readAllBytes(served)), sha256(dest(row.file())), () -> "the file as served, whole: " + requests);
				assertTrue(requests.size() - before >= row.minRequests(), "requests: " + requests);
				boolean resumesInPlace = row.proxied() && row.onError() == null && row.always() == null
						&& row.faults().stream().noneMatch(f -> f.kind() == Kind.STRIP_RANGE);
				if (resumesInPlace && row.errorState() != null) { // J4: from what had arrived, not from zero
					String range = " 206 \"bytes=" + kept + "-\"";
					assertTrue(kept > 0 && requests.stream().anyMatch(l -> l.contains(range)), "resumed at " + kept + ": " + requests);
				} else if (resumesInPlace) { // J8: at once, from what had arrived; no error shown on the way
					assertTrue(requests.subList(before, requests.size()).stream().anyMatch(l -> l.matches(".* 206 \"bytes=[1-9][0-9]*-\".*")),
							"resumed after byte 0: " + requests);
					String id = job.getId().toString();
					assertTrue(events.stream().noneMatch(e -> id.equals(e.getProperty("job.id")) && e.getTopic().endsWith("ERROR")),
							"no error shown: " + events);
				}
			} else {
				Thread.sleep(300);
				assertEquals(row.result(), job.getState(), "stays " + row.result());
				job.cancel();
			}
		}
	}

	private static Optional<Event> first(List<Event> events, String topic, String job) {
		synchronized (events) {
			return events.stream().filter(e -> e.getTopic().equals(topic) && job.equals(e.getProperty("job.id"))).findFirst();
		}
	}
}
