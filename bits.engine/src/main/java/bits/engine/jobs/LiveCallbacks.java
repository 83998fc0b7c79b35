package bits.engine.jobs;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;

import bits.api.TransferCallback;

/**
 * The live callbacks of the jobs (SPEC N2-N4): not persisted, the last registrant wins, {@code null} clears, and a
 * callback becomes invalid the moment the bundle that registered it stops, is updated or uninstalled.
 */
public final class LiveCallbacks implements SynchronousBundleListener {
	/** One registration; a new one, even of the same object, has a new serial. */
	public record Registration(TransferCallback callback, Bundle bundle, long serial) {
	}

	private final Map<UUID, Registration> registrations = new ConcurrentHashMap<>();
	private final AtomicLong serials = new AtomicLong();
	private volatile Consumer<Set<UUID>> onInvalidation = jobs -> {
	};

	void set(UUID job, TransferCallback callback, Bundle bundle) {
		if (callback == null) {
			registrations.remove(job);
		} else {
			registrations.put(job, new Registration(callback, bundle, serials.incrementAndGet()));
		}
	}

	/** @return the job's live callback, if one is set and its bundle is still there */
	public Optional<Registration> get(UUID job) {
		return Optional.ofNullable(registrations.get(job));
	}

	void forget(UUID job) {
		registrations.remove(job);
	}

	/** @param r told, on the bundle event's thread, of the jobs whose callback became invalid because its bundle stopped */
	void onInvalidation(Consumer<Set<UUID>> r) {
		onInvalidation = r;
	}

	@Override
	public void bundleChanged(BundleEvent event) {
		int type = event.getType();
		if (type == BundleEvent.STOPPING || type == BundleEvent.STOPPED || type == BundleEvent.UPDATED
				|| type == BundleEvent.UNINSTALLED) {
			Set<UUID> invalid = new HashSet<>();
			registrations.forEach((job, r) -> {
				if (r.bundle() != null && r.bundle().equals(event.getBundle()) && registrations.remove(job, r)) {
					invalid.add(job);
				}
			});
			if (!invalid.isEmpty()) {
				onInvalidation.accept(invalid);
			}
		}
	}
}
