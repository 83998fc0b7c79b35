package bits.engine.notify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At most N callbacks of one owner in flight, like BITS's four per user (SPEC N10). Beyond BITS: a callback that
 * outlives the timeout gives its slot back (it is "stuck"); the stuck threads of an owner are counted and bounded, so
 * one broken plugin cannot take the engine's threads, and other owners never wait for it.
 */
final class OwnerSlots {
	private static final class Owner {
		int inFlight;
		int stuck;
		final Deque<Lane> waiting = new ArrayDeque<>();
	}

	private int slots;
	private int maxStuck;
	private final Map<String, Owner> owners = new HashMap<>();

	OwnerSlots(int slots, int maxStuck) {
		limits(slots, maxStuck);
	}

	/** New limits, from a configuration change; calls in flight keep their slots. */
	synchronized void limits(int slots, int maxStuck) {
		this.slots = Math.max(1, slots);
		this.maxStuck = Math.max(0, maxStuck);
	}

	/** @return whether a slot was taken; if not, the lane waits for one */
	synchronized boolean tryAcquire(String owner, Lane lane) {
		Owner o = owners.computeIfAbsent(owner, k -> new Owner());
		if (o.inFlight < slots && o.stuck < maxStuck) {
			o.inFlight++;
			return true;
		}
		if (!o.waiting.contains(lane)) {
			o.waiting.add(lane);
		}
		return false;
	}

	/** Gives a slot back; @return the lanes that waited for one, to be tried again */
	synchronized List<Lane> release(String owner) {
		Owner o = owners.get(owner);
		o.inFlight--;
		return drain(o);
	}

	/** A callback passed the timeout: its slot is freed, its thread counted as stuck. */
	synchronized List<Lane> abandon(String owner) {
		Owner o = owners.get(owner);
		o.inFlight--;
		o.stuck++;
		return drain(o);
	}

	/** A stuck callback returned at last. */
	synchronized List<Lane> returnedLate(String owner) {
		Owner o = owners.get(owner);
		o.stuck--;
		return drain(o);
	}

	synchronized int stuck() {
		return owners.values().stream().mapToInt(o -> o.stuck).sum();
	}

	private static List<Lane> drain(Owner o) {
		List<Lane> again = new ArrayList<>(o.waiting);
		o.waiting.clear();
		return again;
	}
}
