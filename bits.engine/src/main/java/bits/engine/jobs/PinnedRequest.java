package bits.engine.jobs;

import static bits.api.ErrorCodes.BG_E_INVALID_STATE;
import static bits.api.ErrorCodes.E_ACCESSDENIED;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.log.Logger;

import bits.api.JobState;
import bits.api.TransferException;
import bits.engine.model.JobRecord;
import bits.engine.store.SharedQueue;

/**
 * The owner's complete or cancel, asked on one engine, of a job pinned to another (SPEC C4, C6): only the engine whose
 * disk holds the files can rename or delete them. The request is stored with the job; the engines of that name carry
 * it out when they read it, and the asking engine waits for the job to end, or for the reason it could not.
 */
final class PinnedRequest {
	static final String COMPLETE = "COMPLETE";
	static final String CANCEL = "CANCEL";
	/** The prefix of a request that could not be carried out, followed by why. */
	private static final String FAILED = "FAILED ";
	/** The prefix of a request an engine took on, followed by its id: one engine of the name carries it out. */
	private static final String CARRYING = "CARRYING ";

	private final JobTable table;
	private final SharedQueue queue;
	private final Logger log;
	private final Set<UUID> carrying = ConcurrentHashMap.newKeySet();

	PinnedRequest(JobTable table, SharedQueue queue, Logger log) {
		this.table = table;
		this.queue = queue;
		this.log = log;
	}

	/**
	 * Asks the engine the job is pinned to, and waits until the job ended there: at most the lease and 10 s.
	 *
	 * @throws TransferException if no engine of that name runs now, if it could not do it (why), or if it has not yet
	 */
	void ask(JobSlot slot, String request) {
		JobRecord job = slot.record();
		String pinned = job.pinnedTo();
		String what = request.toLowerCase();
		if (!queue.memberNamed(pinned)) {
			throw new TransferException(BG_E_INVALID_STATE, "job " + job.id() + " has its files on the disk of engine '" + pinned
					+ "', which is not running now: " + what + " it when that engine runs again");
		}
		table.update(slot, c -> {
			c.set(b -> b.pinnedRequest(request));
			return null;
		});
		long deadline = System.nanoTime() + queue.lease().plusSeconds(10).toNanos();
		JobRecord r = table.awaitRecord(slot, x -> x.state().isFinal() || failed(x), deadline);
		if (failed(r)) {
			throw new TransferException(E_ACCESSDENIED, "engine '" + pinned + "' could not " + what + " job " + job.id() + ": "
					+ r.pinnedRequest().substring(FAILED.length()));
		}
		if (!r.state().isFinal()) {
			throw new TransferException(BG_E_INVALID_STATE, "engine '" + pinned + "' has not carried out the " + what + " of job " + job.id()
					+ " after " + Duration.ofNanos(queue.lease().plusSeconds(10).toNanos()).toSeconds() + " s; it will when it reads the request");
		}
		// ended as asked, whatever this engine read of the ending (an announcement missed, a resync guessed)
		slot.set(r.with(b -> b.state(COMPLETE.equals(request) ? JobState.ACKNOWLEDGED : JobState.CANCELLED)));
	}

	private static boolean failed(JobRecord r) {
		return r.pinnedRequest() != null && r.pinnedRequest().startsWith(FAILED);
	}

	/** On an engine of the name the job is pinned to: carries out its owner's request, on a thread of its own. */
	void carryOut(JobSlot slot, String name) {
		JobRecord r = slot.record();
		String request = r.pinnedRequest();
		if (!(COMPLETE.equals(request) || CANCEL.equals(request)) || !name.equals(r.pinnedTo()) || !carrying.add(r.id())) {
			return;
		}
		Thread t = new Thread(() -> {
			try {
				// taken on by one engine of the name only: the row's version decides between engines on one machine
				boolean mine = Boolean.TRUE.equals(table.update(slot, c -> {
					if (!request.equals(c.job().pinnedRequest())) {
						return false;
					}
					c.set(b -> b.pinnedRequest(CARRYING + queue.engine()));
					return true;
				}));
				if (!mine) {
					return;
				}
				if (COMPLETE.equals(request)) {
					table.complete(slot);
				} else {
					table.cancel(slot);
				}
			} catch (TransferException e) {
				log.warn("job {}: the {} its owner asked on another engine failed: {}", r.id(), request, e.getMessage());
				try {
					table.update(slot, c -> {
						c.set(b -> b.pinnedRequest(FAILED + e.getMessage()));
						return null;
					});
				} catch (RuntimeException f) { // ended meanwhile, or the store is down: the asking engine's wait ends
					log.debug("job {}: the failure is not recorded: {}", r.id(), f.toString());
				}
			} finally {
				carrying.remove(r.id());
			}
		}, "bits-request-" + r.id());
		t.setDaemon(true);
		t.start();
	}
}
