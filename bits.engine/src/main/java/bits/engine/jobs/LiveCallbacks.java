package bits.engine.jobs;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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
	private volatile Runnable onInvalidation = () -> {
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

	void onInvalidation(Runnable r) {
		onInvalidation = r;
	}

	@Override
	public void bundleChanged(BundleEvent event) {
		int type = event.getType();
		if (type == BundleEvent.STOPPING || type == BundleEvent.STOPPED || type == BundleEvent.UPDATED
				|| type == BundleEvent.UNINSTALLED) {
			if (registrations.values().removeIf(r -> r.bundle() != null && r.bundle().equals(event.getBundle()))) {
				onInvalidation.run();
			}
		}
	}
}
