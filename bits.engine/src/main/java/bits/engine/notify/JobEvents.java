package bits.engine.notify;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

import bits.api.JobProgress;
import bits.api.JobState;
import bits.engine.jobs.JobTable;
import bits.engine.jobs.Notifier;
import bits.engine.model.JobRecord;

/**
 * Posts job changes as OSGi events, for whoever prefers EventAdmin to callbacks: {@code bits/job/<STATE>} when a
 * job's state changes (e.g. {@code bits/job/TRANSFERRED}) and {@code bits/job/MODIFIED} for other changes, with the
 * job's id, owner, state, name and progress, and its error if it has one ({@code job.error.context},
 * {@code job.error.code}, {@code job.error.description}: a transient error retried at once is seen here, if nowhere
 * else). A handler receives a job's events in the order of its changes. Optional: without an EventAdmin this
 * component simply stays inactive. Like all EventAdmin events these are fire-and-forget; the callbacks are the
 * durable channel.
 */
@Component(service = {}, immediate = true)
public class JobEvents implements Notifier {
	/** The topic prefix. */
	public static final String TOPIC = "bits/job/";

	@Reference
	private JobTable table;

	@Reference
	private EventAdmin events;

	private final Map<UUID, JobState> states = new ConcurrentHashMap<>();
	/**
	 * EventAdmin keeps the order of the events one thread posts, not of those posted by several: the table tells of
	 * its changes in order, on whichever thread made them, and this one thread posts them in that order.
	 */
	private final ExecutorService poster = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "bits-job-events");
		t.setDaemon(true);
		return t;
	});

	@Activate
	void activate() {
		table.attachNotifier(this);
	}

	@Deactivate
	void deactivate() {
		table.detachNotifier(this);
		poster.shutdownNow(); // events not yet posted are dropped, as EventAdmin's own queue would drop them
	}

	@Override
	public void jobChanged(JobRecord job) {
		Map<String, Object> p = new HashMap<>();
		JobProgress progress = table.progress(job);
		JobState state = job.state();
		p.put("job.id", job.id().toString());
		p.put("job.owner", job.owner());
		p.put("job.name", job.settings().displayName());
		p.put("job.state", state.name());
		p.put("bytes.transferred", progress.bytesTransferred());
		p.put("bytes.total", progress.bytesTotal());
		if (job.error() != null) {
			p.put("job.error.context", job.error().context().name());
			p.put("job.error.code", job.error().code());
			p.put("job.error.description", job.error().description());
		}
		JobState before = state.isFinal() ? states.remove(job.id()) : states.put(job.id(), state);
		Event event = new Event(TOPIC + (state == before ? "MODIFIED" : state.name()), p);
		try {
			poster.execute(() -> {
				try {
					events.postEvent(event);
				} catch (IllegalStateException e) {
					// the EventAdmin went away meanwhile
				}
			});
		} catch (RejectedExecutionException e) {
			// deactivated while the table told of a change: nobody is to hear it
		}
	}
}
