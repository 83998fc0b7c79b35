package bits.engine.notify;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;
import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.TransferJob;
import bits.engine.config.EngineConfig;
import bits.engine.handler.HandlerException;
import bits.engine.handler.Handlers;
import bits.engine.handler.Handlers.Handler;
import bits.engine.jobs.JobTable;
import bits.engine.jobs.LiveCallbacks.Registration;
import bits.engine.jobs.NotificationPolicy;
import bits.engine.jobs.Notifier;
import bits.engine.jobs.StuckCallbacks;
import bits.engine.model.JobRecord;
import bits.engine.model.Notice;

/**
 * Delivers notifications (SPEC §3): the outbox's terminal notifications on high-priority threads, coalesced
 * modifications on low-priority ones; for one job one callback at a time, in order, FILE_TRANSFERRED before the job's
 * terminal notification; a callback that throws is called again with back-off (1 s doubling, at most the job's minimum
 * retry delay) until it returns normally or the job leaves that state.
 */
@Component(service = StuckCallbacks.class, immediate = true, configurationPid = EngineConfig.PID)
public class Dispatcher implements Notifier, StuckCallbacks {
	/** A callback running now; the watchdog abandons it after the timeout (SPEC N10). */
	private static final class Call {
		final String owner;
		final long startNanos = System.nanoTime();
		boolean abandoned;
		boolean finished;

		Call(String owner) {
			this.owner = owner;
		}
	}

	private static final long FIRST_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
	/** How soon a notification another engine holds is tried again here. */
	private static final long ELSEWHERE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);

	/** Where a lane's next notification goes (SPEC N5): the live callback if one is set, else the handler id. */
	private record Route(Registration live, String handlerId) {
	}

	/** The object a notification is delivered to, and what to do when its call returns. */
	private record Callee(TransferCallback callback, Bundle bundle, Runnable done) {
	}

	@Reference
	private JobTable table;

	@Reference
	private Handlers handlers;

	@Reference(service = LoggerFactory.class)
	private Logger log;

	private final Map<UUID, Lane> lanes = new ConcurrentHashMap<>();
	private ExecutorService high;
	private ExecutorService low;
	private ScheduledExecutorService timer;
	private volatile boolean active;
	private final Map<Lane, Call> calls = new ConcurrentHashMap<>();
	private OwnerSlots slots;
	private volatile long timeoutNanos;

	@Activate
	void activate(EngineConfig config) {
		slots = new OwnerSlots(config.notify_owner_slots(), config.notify_max_stuck_per_owner());
		timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, config.notify_callback_timeout_ms()));
		high = Executors.newCachedThreadPool(threads("bits-notify-", Thread.MAX_PRIORITY - 1));
		low = Executors.newCachedThreadPool(threads("bits-notify-low-", Thread.MIN_PRIORITY + 1));
		timer = Executors.newSingleThreadScheduledExecutor(threads("bits-notify-timer", Thread.NORM_PRIORITY));
		active = true;
		timer.scheduleWithFixedDelay(this::watch, 250, 250, TimeUnit.MILLISECONDS);
		table.attachNotifier(this);
		table.jobs().forEach(this::jobChanged); // the outbox survives restarts (SPEC N7, J7)
	}

	/** A configuration change adjusts the limits in place: no restart, no redelivery, no lost lanes. */
	@Modified
	void modified(EngineConfig config) {
		slots.limits(config.notify_owner_slots(), config.notify_max_stuck_per_owner());
		timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, config.notify_callback_timeout_ms()));
	}

	@Deactivate
	void deactivate() {
		active = false;
		table.detachNotifier(this);
		timer.shutdownNow();
		high.shutdown();
		low.shutdown();
		// a successor must not call a job's callback while this one still runs it (SPEC N9): wait, up to the timeout
		try {
			long ms = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
			if (!high.awaitTermination(ms, TimeUnit.MILLISECONDS) || !low.awaitTermination(ms, TimeUnit.MILLISECONDS)) {
				log.warn("stopping with callbacks still running after {} ms", ms);
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Called by the job table, possibly under its lock: only marks the lane and hands the decision to the timer
	 * thread, so the table's lock is never held while waiting for a lane (lock order: lane, then table).
	 */
	@Override
	public void jobChanged(JobRecord job) {
		Lane lane = lanes.computeIfAbsent(job.id(), id -> new Lane(id, job.owner()));
		lane.modification = true;
		kickLater(lane);
	}

	/** What a lane does next, decided under its lock with the job's current record, as the notification policy says. */
	private void kick(Lane lane) {
		synchronized (lane) {
			if (lane.busy || !active) {
				return;
			}
			Optional<JobRecord> current = table.job(lane.job);
			if (current.isEmpty()) { // final: nothing more to notify
				lanes.remove(lane.job);
				return;
			}
			JobRecord s = current.get();
			Optional<Registration> live = table.callbacks().get(lane.job);
			String handlerId = s.settings().handlerId();
			if (live.isEmpty() && (handlerId == null || table.callbackElsewhere(s))) {
				return; // waits for a registrant (SPEC N7), or the engine where the live callback is delivers (SPEC C5)
			}
			Route route = new Route(live.orElse(null), handlerId);
			Notice notice = NotificationPolicy.next(s);
			Duration maxRetry = s.settings().minimumRetryDelay();
			long now = System.nanoTime();
			if (notice != null) {
				if (now < lane.retryAtNanos) {
					wakeUp(lane, lane.retryAtNanos - now);
					return;
				}
				if (!start(lane)) {
					return;
				}
				high.execute(() -> deliver(lane, route, notice, maxRetry));
			} else if (lane.modification) {
				if (!NotificationPolicy.modificationWanted(s)) {
					lane.modification = false;
					return;
				}
				long due = lane.lastModificationNanos + s.settings().minimumNotificationInterval().toNanos();
				if (now < due) {
					wakeUp(lane, due - now);
					return;
				}
				if (!start(lane)) {
					return;
				}
				lane.modification = false;
				lane.lastModificationNanos = now;
				low.execute(() -> deliverModification(lane, route));
			}
		}
	}

	/** Takes one of the owner's slots for a call of this lane; without one, the lane waits for a release. */
	private boolean start(Lane lane) {
		if (!slots.tryAcquire(lane.owner, lane)) {
			return false;
		}
		lane.busy = true;
		calls.put(lane, new Call(lane.owner));
		return true;
	}

	/** The call of this lane returned: its slot (unless the watchdog freed it already) goes back. */
	private void finish(Lane lane) {
		Call call = calls.remove(lane);
		List<Lane> again;
		synchronized (call) {
			call.finished = true;
			again = call.abandoned ? slots.returnedLate(call.owner) : slots.release(call.owner);
		}
		synchronized (lane) {
			lane.busy = false;
		}
		again.forEach(this::kickLater);
	}

	/** The watchdog: a callback past the timeout is reported, on the job and in the log, and gives its slot back. */
	private void watch() {
		long now = System.nanoTime();
		for (Map.Entry<Lane, Call> e : calls.entrySet()) {
			Call call = e.getValue();
			List<Lane> again;
			synchronized (call) {
				if (call.finished || call.abandoned || now - call.startNanos < timeoutNanos) {
					continue;
				}
				call.abandoned = true;
				again = slots.abandon(call.owner);
			}
			UUID job = e.getKey().job;
			long ms = TimeUnit.NANOSECONDS.toMillis(now - call.startNanos);
			log.warn("job {} (owner {}): a callback has not returned after {} ms; its slot is released; {} callback threads are stuck",
					job, call.owner, ms, slots.stuck());
			table.notificationError(job, new JobError(ErrorContext.QUEUE_MANAGER_NOTIFICATION, ErrorCodes.E_TIMEOUT,
					"a callback has not returned after " + ms + " ms; " + slots.stuck() + " callback threads are stuck", -1));
			again.forEach(this::kickLater);
		}
	}

	private void kickLater(Lane lane) {
		if (active) {
			try {
				timer.execute(() -> kick(lane));
			} catch (RejectedExecutionException e) {
				// shutting down
			}
		}
	}

	@Override
	public int count() {
		return slots.stuck();
	}

	/**
	 * Makes sure the lane is kicked again in {@code nanos}. A wake-up already due (delay <= 0) may be the one running
	 * this very kick, or about to finish: it would not come back, so a new one is scheduled; so is one needed sooner.
	 * An extra kick does no harm.
	 */
	private void wakeUp(Lane lane, long nanos) {
		ScheduledFuture<?> w = lane.wakeup;
		long delay = w == null || w.isDone() ? -1 : w.getDelay(TimeUnit.NANOSECONDS);
		if (delay <= 0 || delay > nanos) {
			lane.wakeup = timer.schedule(() -> kick(lane), nanos, TimeUnit.NANOSECONDS);
		}
	}

	private void deliver(Lane lane, Route route, Notice notice, Duration maxRetry) {
		UUID job = lane.job;
		boolean acknowledged = false;
		boolean skipped = false;
		boolean elsewhere = false;
		boolean claimed = false;
		Callee callee = null;
		// another engine sharing the store may be delivering it (SPEC C5): this one tries again when that one's hold ends
		Duration hold = Duration.ofNanos(timeoutNanos).plusSeconds(5);
		try {
			Optional<JobRecord> current = table.job(job).filter(j -> j.notices().contains(notice));
			if (current.isPresent() && !table.claimNotice(notice, hold)) {
				elsewhere = true;
				return;
			}
			claimed = current.isPresent();
			if (current.isEmpty() || (callee = callee(current.get(), route, true)) == null) {
				skipped = true; // the job left that state, or the callback became invalid meanwhile: no retry counts
				return;
			}
			TransferJob view = table.view(current.get(), callee.bundle()).orElse(null);
			if (view == null) {
				skipped = true; // the job ended meanwhile: its notice went with it
				return;
			}
			TransferCallback callback = callee.callback();
			switch (notice.kind()) {
			case JOB_TRANSFERRED -> callback.jobTransferred(view);
			case JOB_ERROR -> callback.jobError(view, view.getError()
					.orElse(new JobError(ErrorContext.UNKNOWN, ErrorCodes.BG_E_ERROR_INFORMATION_UNAVAILABLE, "no error", -1)));
			case FILE_TRANSFERRED -> callback.fileTransferred(view, view.getFiles().get(notice.file()));
			}
			acknowledged = true;
			table.acknowledge(job, notice);
			table.notificationError(job, null);
		} catch (HandlerException e) { // SPEC H6: on the job, in the log, retried like a callback that threw
			log.warn("job {}: the {} notification waits: {}", job, notice.kind(), e.getMessage());
			releaseQuietly(notice); // an engine that can provision the handler may deliver it meanwhile (SPEC C5)
			table.notificationError(job, new JobError(ErrorContext.QUEUE_MANAGER_NOTIFICATION, e.code(), e.getMessage(), -1));
		} catch (Throwable t) {
			log.warn("job {}: the {} callback failed; it is called again later: {}", job, notice.kind(), t.toString());
			table.notificationError(job, new JobError(ErrorContext.QUEUE_MANAGER_NOTIFICATION, ErrorCodes.E_INVALIDARG,
					"the " + notice.kind() + " callback threw " + t, notice.file()));
		} finally {
			if (callee != null) {
				callee.done().run();
			}
			synchronized (lane) { // the back-off is set before the lane is free again
				if (acknowledged) {
					lane.attempts = 0;
					lane.retryAtNanos = 0;
				} else if (elsewhere) {
					// tried again soon: the holder may let go at once (it cannot provision the handler), or die
					lane.retryAtNanos = System.nanoTime() + Math.min(hold.toNanos(), ELSEWHERE_RETRY_NANOS);
				} else if (!skipped && table.job(job).filter(j -> j.notices().contains(notice)).isPresent()) {
					long backoff = Math.min(FIRST_RETRY_NANOS << Math.min(lane.attempts, 20), maxRetry.toNanos());
					lane.attempts++;
					lane.retryAtNanos = System.nanoTime() + backoff;
				}
			}
			if (skipped && claimed) {
				releaseQuietly(notice); // not this engine's to deliver after all: the one with the live callback may
			}
			finish(lane);
			kick(lane);
		}
	}

	private void releaseQuietly(Notice notice) {
		try {
			table.releaseNotice(notice);
		} catch (RuntimeException e) { // the store is down: the hold ends by itself
			log.debug("notification {}: not released now: {}", notice.id(), e.toString());
		}
	}

	private void deliverModification(Lane lane, Route route) {
		Callee callee = null;
		try {
			Optional<JobRecord> current = table.job(lane.job);
			callee = current.isEmpty() ? null : callee(current.get(), route, false);
			if (callee != null) {
				Optional<TransferJob> view = table.view(current.get(), callee.bundle());
				if (view.isPresent()) {
					callee.callback().jobModification(view.get());
				}
			}
		} catch (Throwable t) {
			log.debug("job {}: the modification callback failed (not redelivered): {}", lane.job, t.toString());
		} finally {
			if (callee != null) {
				callee.done().run();
			}
			finish(lane);
			kick(lane);
		}
	}

	/**
	 * @param terminal whether a failure to obtain the handler is thrown (and retried with the outbox's back-off); for a
	 *        modification, being lossy, it drops this one notification
	 * @return whom to call now, or {@code null} if the route is no longer valid (a new live callback, a stopped bundle)
	 */
	private Callee callee(JobRecord job, Route route, boolean terminal) throws HandlerException {
		if (route.live() != null) {
			return valid(job, route.live()) ? new Callee(route.live().callback(), route.live().bundle(), () -> {
			}) : null;
		}
		if (table.callbacks().get(job.id()).isPresent() || table.callbackElsewhere(job) || !route.handlerId().equals(job.settings().handlerId())) {
			return null; // a live callback was set (here or elsewhere), or the id changed, since the route was chosen
		}
		Optional<Handler> handler = terminal ? Optional.of(handlers.obtain(route.handlerId(), job.owner()))
				: handlers.obtainQuietly(route.handlerId(), job.owner());
		return handler.map(h -> new Callee(h.callback(), h.bundle(), () -> handlers.done(h))).orElse(null);
	}

	/** The engine never calls an object whose bundle is gone, nor one that was replaced (SPEC N3, N4). */
	private boolean valid(JobRecord job, Registration registration) {
		Optional<Registration> current = table.callbacks().get(job.id());
		if (current.isEmpty() || current.get().serial() != registration.serial()) {
			return false;
		}
		Bundle b = registration.bundle();
		return b == null || (b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0;
	}

	private static ThreadFactory threads(String prefix, int priority) {
		AtomicInteger n = new AtomicInteger();
		return r -> {
			Thread t = new Thread(r, prefix + n.incrementAndGet());
			t.setDaemon(true);
			t.setPriority(priority);
			return t;
		};
	}
}
