package bits.engine.rest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.E_ACCESSDENIED;
import static bits.api.ErrorCodes.E_INVALIDARG;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.Predicate;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;

import bits.api.JobScope;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.jobs.OwnerManagers;
import bits.engine.model.JournalEntry;

/**
 * The event stream (SPEC S1, S3): Server-Sent Events at {@value #PATH} of one job ({@code ?job=ID}) or of all the
 * caller's jobs (the admin's {@code ?all=true}: every owner's), the remote twin of a live callback.
 * <ul>
 * <li>{@code event: job}, the job as {@code GET /jobs/{id}} shows it, first for each job in view, then whenever a job
 * changes (its state, progress or properties; a completed or cancelled job once more, in its final state). Several
 * changes in a short time are sent as one. These have no id: they are not replayed.
 * <li>{@code event: notification} with an {@code id}: a job transferred or in error, a file transferred, recorded in
 * the store in the transaction of the change. A client that reconnects with {@code Last-Event-ID} (or
 * {@code ?lastEventId=}) is sent every one recorded after it that is still kept (configuration
 * {@code event.retention.hours}), so it misses none. Without one, a job's stream replays all of the job's; the
 * all-jobs stream starts from now.
 * </ul>
 */
@Component(service = Servlet.class, configurationPid = RestConfig.PID, property = {
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + EventStream.PATH,
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=bits-events" })
public class EventStream extends HttpServlet {
	private static final long serialVersionUID = 1L;
	static final String PATH = ApiAddress.PATH + "/events";
	private static final int PAGE = 500;
	private static final long KEEP_ALIVE_MS = 15_000;
	/** Changes within this time are sent together: a transfer's progress is not an event per buffer. */
	private static final long COALESCE_MS = 200;

	@Reference(service = LoggerFactory.class)
	private transient Logger log;

	@Reference
	private transient OwnerManagers managers;

	@Reference
	private transient ApiTokens tokens;

	private transient volatile Semaphore streams;
	private final transient Set<Subscription> open = ConcurrentHashMap.newKeySet();

	@Activate
	void activate(RestConfig config) {
		modified(config);
	}

	@Modified
	void modified(RestConfig config) {
		streams = new Semaphore(config.max_streams());
	}

	/** The engine stops: every stream ends (a client reconnects to the next engine with its last event id). */
	@Deactivate
	void deactivate() {
		open.forEach(Subscription::close);
	}

	@Override
	public void destroy() {
		deactivate();
	}

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String context = "GET " + PATH;
		Semaphore permits = streams;
		if (!permits.tryAcquire()) {
			Json.fail(response, new ApiException(503, E_ACCESSDENIED, "too many event streams are open (configuration " + RestConfig.PID
					+ ", max.streams)"), context);
			return;
		}
		try {
			Caller caller = tokens.authenticate(request.getHeader("Authorization"));
			stream(request, response, caller);
		} catch (ApiException e) {
			Json.fail(response, e, context);
		} catch (TransferException e) {
			Json.fail(response, ApiException.of(e), context);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} finally {
			permits.release();
		}
	}

	private void stream(HttpServletRequest request, HttpServletResponse response, Caller caller) throws IOException, InterruptedException {
		boolean all = "true".equals(request.getParameter("all"));
		if (all && !caller.admin()) {
			throw new ApiException(403, E_ACCESSDENIED, "only the admin token may follow every owner's jobs (all=true)");
		}
		TransferManager manager = managers.forOwner(caller.owner(), caller.admin());
		UUID job = Optional.ofNullable(request.getParameter("job")).map(EventStream::jobId).orElse(null);
		String owner = caller.admin() && (all || job != null) ? null : caller.owner();
		long lastEventId = lastEventId(request);
		Optional<TransferJob> current = Optional.empty();
		if (job != null) {
			current = find(manager, job, caller);
			// a job that ended is still there for the stream while the journal has its events
			if (current.isEmpty() && managers.journal(0, owner, job, 1).isEmpty()) {
				throw new ApiException(404, BG_E_NOT_FOUND, "no job " + job);
			}
		}
		Predicate<TransferJob> visible = j -> (owner == null || owner.equals(j.getOwner())) && (job == null || job.equals(j.getId()));
		Subscription subscription = new Subscription(visible);
		// listening before reading: a change in between is sent twice rather than never
		try (OwnerManagers.Listening listening = managers.listen(subscription::changed)) {
			open.add(subscription);
			long after = lastEventId >= 0 ? lastEventId : job != null ? 0 : managers.lastJournalId();
			response.setStatus(200);
			response.setContentType("text/event-stream;charset=utf-8");
			response.setHeader("Cache-Control", "no-store");
			response.setHeader("X-Accel-Buffering", "no"); // a proxy in front must not hold events back
			PrintWriter out = response.getWriter();
			out.write(": bits event stream\n\n");
			if (job != null) {
				current.ifPresent(j -> jobEvent(out, j));
			} else {
				manager.listJobs(all ? JobScope.ALL_OWNERS : JobScope.OWNER).forEach(j -> jobEvent(out, j));
			}
			after = replay(out, after, owner, job, null, caller);
			if (!flush(out, response)) {
				return;
			}
			long quiet = System.nanoTime();
			while (!subscription.closed()) {
				List<TransferJob> changed = subscription.take(KEEP_ALIVE_MS);
				if (!changed.isEmpty()) {
					changed.forEach(j -> jobEvent(out, j));
					after = replay(out, after, owner, job, manager, caller);
					quiet = System.nanoTime();
				} else if (System.nanoTime() - quiet >= KEEP_ALIVE_MS * 1_000_000) {
					out.write(": keep-alive\n\n"); // also how a client that left is noticed
					quiet = System.nanoTime();
				}
				if (!flush(out, response)) {
					return;
				}
				Thread.sleep(COALESCE_MS);
			}
		} finally {
			open.remove(subscription);
		}
	}

	/**
	 * Sends the journal's entries after {@code after}. With {@code states}, each entry's job's current state goes first:
	 * an entry is readable as soon as its change commits, before the change's listener call, and a client must never see
	 * a notification before the state it announces.
	 *
	 * @return the last id sent
	 */
	private long replay(PrintWriter out, long after, String owner, UUID job, TransferManager states, Caller caller)
			throws JsonProcessingException {
		while (true) {
			List<JournalEntry> page = managers.journal(after, owner, job, PAGE);
			if (states != null) {
				new LinkedHashSet<>(page.stream().map(JournalEntry::job).toList())
						.forEach(id -> find(states, id, caller).ifPresent(j -> jobEvent(out, j)));
			}
			for (JournalEntry e : page) {
				out.write("event: notification\nid: " + e.id() + "\ndata: " + Json.MAPPER.writeValueAsString(NotificationDto.of(e)) + "\n\n");
				after = e.id();
			}
			if (page.size() < PAGE) {
				return after;
			}
		}
	}

	private static void jobEvent(PrintWriter out, TransferJob job) {
		try {
			out.write("event: job\ndata: " + Json.MAPPER.writeValueAsString(JobDto.of(job)) + "\n\n");
		} catch (JsonProcessingException e) {
			throw new IllegalStateException(e);
		}
	}

	/** @return whether the client is still there */
	private static boolean flush(PrintWriter out, HttpServletResponse response) {
		out.flush();
		if (out.checkError()) {
			return false;
		}
		try {
			response.flushBuffer();
			return true;
		} catch (IOException e) {
			return false;
		}
	}

	private static Optional<TransferJob> find(TransferManager manager, UUID id, Caller caller) {
		try {
			return Optional.of(manager.getJob(id, caller.admin() ? JobScope.ALL_OWNERS : JobScope.OWNER));
		} catch (TransferException e) {
			if (e.getCode() == BG_E_NOT_FOUND) {
				return Optional.empty();
			}
			throw e;
		}
	}

	private static UUID jobId(String id) {
		try {
			return UUID.fromString(id);
		} catch (IllegalArgumentException e) {
			throw new ApiException(404, BG_E_NOT_FOUND, "no job " + id);
		}
	}

	private static long lastEventId(HttpServletRequest request) {
		String id = Optional.ofNullable(request.getHeader("Last-Event-ID")).orElse(request.getParameter("lastEventId"));
		if (id == null || id.isBlank()) {
			return -1;
		}
		try {
			long value = Long.parseLong(id.trim());
			if (value < 0) {
				throw new NumberFormatException();
			}
			return value;
		} catch (NumberFormatException e) {
			throw new ApiException(400, E_INVALIDARG, "Last-Event-ID is not an event id of this stream: " + id);
		}
	}
}
