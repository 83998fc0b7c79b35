package bits.engine.handler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Capability;
import org.osgi.resource.Resource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.resolver.Resolver;

import bits.api.HandlerInfo;
import bits.api.HandlerState;
import bits.api.TransferCallback;
import bits.engine.config.EngineConfig;

/**
 * Turns handler ids into callbacks (SPEC H2-H6, N5). It tracks handler services by reference only, so tracking never
 * activates a delayed component; a callback is obtained when a notification needs it, in this order: already
 * connected; service registered (getService activates the component); bundle installed (start it); only in a
 * configured index (resolve, verify, install, start). The object so obtained stays connected until its service goes
 * away or it is idle too long. Installed handler bundles are found again through their {@code bits.handler}
 * capability, so nothing of this survives a restart but what the framework itself keeps.
 */
@Component(service = Handlers.class, configurationPid = EngineConfig.PID)
public class Handlers {
	/** A connected handler; a new connection, even to the same service, has a new serial. */
	public record Handler(String id, TransferCallback callback, Bundle bundle, long serial) {
	}

	private static final class Connected {
		final Handler handler;
		final ServiceReference<TransferCallback> reference;
		int calls;
		long lastUsedNanos = System.nanoTime();

		Connected(Handler handler, ServiceReference<TransferCallback> reference) {
			this.handler = handler;
			this.reference = reference;
		}
	}

	@Reference
	private Resolver resolver;

	@Reference
	private ServiceComponentRuntime scr;

	@Reference(service = LoggerFactory.class)
	private Logger log;

	private final Map<String, List<ServiceReference<TransferCallback>>> registered = new TreeMap<>(); // guarded by this
	private final Map<String, Connected> connected = new ConcurrentHashMap<>();
	private final Map<String, Object> locks = new ConcurrentHashMap<>();
	private final AtomicLong serials = new AtomicLong();
	private static final long QUIET_RETRY_S = 30;
	private final Map<String, Long> quietFailures = new ConcurrentHashMap<>();
	private BundleContext context;
	private volatile Repositories repositories;
	private volatile long activationTimeoutMs;
	private volatile long idleNanos;
	private ScheduledExecutorService idle;

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		idle = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "bits-handler-idle");
			t.setDaemon(true);
			return t;
		});
		idle.scheduleWithFixedDelay(this::releaseIdle, 1, 1, TimeUnit.SECONDS);
		modified(config);
	}

	@Modified
	void modified(EngineConfig config) {
		repositories = new Repositories(config.handler_repositories(), log);
		activationTimeoutMs = Math.max(1, config.handler_activation_timeout_ms());
		idleNanos = TimeUnit.SECONDS.toNanos(config.handler_idle_s());
	}

	@Deactivate
	void deactivate() {
		idle.shutdownNow();
		for (Connected c : connected.values()) {
			context.ungetService(c.reference);
		}
		connected.clear();
	}

	@Reference(service = TransferCallback.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
			target = "(" + TransferCallback.HANDLER_PROPERTY + "=*)")
	synchronized void bindHandler(ServiceReference<TransferCallback> reference) {
		for (String id : ids(reference)) {
			registered.computeIfAbsent(id, k -> new ArrayList<>()).add(reference);
		}
		notifyAll();
	}

	void unbindHandler(ServiceReference<TransferCallback> reference) {
		synchronized (this) {
			registered.values().forEach(refs -> refs.remove(reference));
			registered.values().removeIf(List::isEmpty);
		}
		for (Connected c : connected.values()) {
			if (c.reference.equals(reference) && connected.remove(c.handler.id(), c)) {
				log.info("handler {}: its service went away; it is obtained again when next needed (SPEC H5)", c.handler.id());
				context.ungetService(reference);
			}
		}
	}

	/**
	 * @return the handler's callback, installing and starting its bundle if need be; the caller calls {@link #done}
	 *         after the call
	 * @throws HandlerException naming why not, for the job and the log
	 */
	public Handler obtain(String id) throws HandlerException {
		synchronized (lock(id)) { // one provisioning per id, however many notifications need it
			Connected c = connected.get(id);
			if (c != null) {
				return use(c);
			}
			ServiceReference<TransferCallback> reference = registered(id);
			if (reference == null) {
				Bundle bundle = installedProvider(id);
				if (bundle != null) {
					Provisioner.start(id, bundle, context);
				} else {
					Resource resource = repositoryProvider(id);
					if (resource == null) {
						throw HandlerException.notFound(id);
					}
					bundle = new Provisioner(context, resolver, repositories, log).provision(id, resource).get(0);
				}
				reference = awaitService(id, bundle);
			}
			return use(connect(id, reference));
		}
	}

	/**
	 * For lossy notifications (modifications): as {@link #obtain}, but a failure is not thrown, and after one the id is
	 * not tried again for {@value #QUIET_RETRY_S} s, so a flood of progress cannot hammer a broken repository.
	 *
	 * @return the handler's callback, if it could be obtained
	 */
	public Optional<Handler> obtainQuietly(String id) {
		Long failed = quietFailures.get(id);
		if (failed != null && System.nanoTime() - failed < TimeUnit.SECONDS.toNanos(QUIET_RETRY_S)) {
			return Optional.empty();
		}
		try {
			Handler h = obtain(id);
			quietFailures.remove(id);
			return Optional.of(h);
		} catch (HandlerException e) {
			quietFailures.put(id, System.nanoTime());
			log.warn("{} (a modification notification is dropped)", e.getMessage());
			return Optional.empty();
		}
	}

	/** The call on a handler obtained with {@link #obtain} or {@link #obtainQuietly} returned. */
	public void done(Handler handler) {
		synchronized (lock(handler.id())) {
			Connected c = connected.get(handler.id());
			if (c != null && c.handler.serial() == handler.serial()) {
				c.calls--;
				c.lastUsedNanos = System.nanoTime();
			}
		}
	}

	/** @return whether the handler is still connected: its service was not unregistered, nor released as idle */
	public boolean valid(Handler handler) {
		Connected c = connected.get(handler.id());
		return c != null && c.handler.serial() == handler.serial();
	}

	/** @return whether a registered service, an installed bundle or a configured index provides the id (SPEC N6) */
	public boolean provides(String id) {
		return registered(id) != null || installedProvider(id) != null || repositoryProvider(id) != null;
	}

	/** @return every id known: registered services, installed bundles' capabilities, the configured indexes */
	public List<HandlerInfo> list() {
		Map<String, HandlerInfo> infos = new TreeMap<>();
		for (Bundle b : context.getBundles()) {
			BundleRevision revision = b.adapt(BundleRevision.class);
			if (revision == null) {
				continue;
			}
			for (Capability c : revision.getCapabilities(HandlerRequirement.NAMESPACE)) {
				String id = String.valueOf(c.getAttributes().get(HandlerRequirement.NAMESPACE));
				ServiceReference<TransferCallback> reference = registered(id);
				HandlerState state = reference != null && b.equals(reference.getBundle()) ? HandlerState.ACTIVE : HandlerState.INSTALLED;
				infos.merge(id, new HandlerInfo(id, state, b.getSymbolicName(), b.getVersion().toString(), b.getLocation()),
						(a, n) -> a.state() == HandlerState.ACTIVE ? a : n);
			}
		}
		synchronized (this) {
			registered.forEach((id, refs) -> {
				Bundle b = refs.get(0).getBundle();
				if (b != null) {
					infos.putIfAbsent(id, new HandlerInfo(id, HandlerState.ACTIVE, b.getSymbolicName(), b.getVersion().toString(), b.getLocation()));
				}
			});
		}
		for (RepositoryIndex index : repositories.indexes()) {
			for (Resource r : index.resources()) {
				for (Capability c : r.getCapabilities(HandlerRequirement.NAMESPACE)) {
					String id = String.valueOf(c.getAttributes().get(HandlerRequirement.NAMESPACE));
					String[] identity = RepositoryIndex.identity(r).split(" ", 2);
					infos.putIfAbsent(id, new HandlerInfo(id, HandlerState.AVAILABLE, identity[0], identity[1], index.uri().toString()));
				}
			}
		}
		return List.copyOf(infos.values());
	}

	private Object lock(String id) {
		return locks.computeIfAbsent(id, k -> new Object());
	}

	private Handler use(Connected c) {
		c.calls++;
		c.lastUsedNanos = System.nanoTime();
		return c.handler;
	}

	private Connected connect(String id, ServiceReference<TransferCallback> reference) throws HandlerException {
		Bundle bundle = reference.getBundle();
		TransferCallback callback = bundle == null ? null : context.getService(reference); // activates a delayed component
		if (callback == null) {
			throw HandlerException.failed(id, "its service gave no object: "
					+ (bundle == null ? "it was unregistered" : Diagnosis.explain(scr, bundle, id)));
		}
		Connected c = new Connected(new Handler(id, callback, bundle, serials.incrementAndGet()), reference);
		connected.put(id, c);
		if (reference.getBundle() == null) { // unregistered while we connected: unbind may have missed it
			connected.remove(id, c);
			context.ungetService(reference);
			throw HandlerException.failed(id, "its service was unregistered while it was obtained");
		}
		return c;
	}

	/** Waits on the engine's own thread, never in a framework callback, for the started bundle's service. */
	private synchronized ServiceReference<TransferCallback> awaitService(String id, Bundle bundle) throws HandlerException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(activationTimeoutMs);
		ServiceReference<TransferCallback> reference;
		while ((reference = registered(id)) == null) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw HandlerException.failed(id, "no service " + activationTimeoutMs + " ms after its bundle started: "
						+ Diagnosis.explain(scr, bundle, id));
			}
			try {
				TimeUnit.NANOSECONDS.timedWait(this, left);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw HandlerException.failed(id, "interrupted while waiting for its service");
			}
		}
		return reference;
	}

	private synchronized ServiceReference<TransferCallback> registered(String id) {
		List<ServiceReference<TransferCallback>> refs = registered.get(id);
		return refs == null || refs.isEmpty() ? null : refs.stream().max(Comparator.naturalOrder()).orElseThrow();
	}

	/** @return the installed bundle with the highest version that declares the id, in any state */
	private Bundle installedProvider(String id) {
		FrameworkWiring wiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		Collection<BundleCapability> found = wiring.findProviders(new HandlerRequirement(id));
		return found.stream().map(c -> c.getRevision().getBundle()).filter(b -> b.getState() != Bundle.UNINSTALLED)
				.max(Comparator.comparing(Bundle::getVersion)).orElse(null);
	}

	private Resource repositoryProvider(String id) {
		return repositories.providers(new HandlerRequirement(id)).stream().map(Capability::getResource)
				.max(Comparator.comparing(RepositoryIndex::version)).orElse(null);
	}

	private void releaseIdle() {
		long idleFor = idleNanos;
		if (idleFor <= 0) {
			return;
		}
		long now = System.nanoTime();
		for (Connected c : connected.values()) {
			synchronized (lock(c.handler.id())) {
				if (c.calls == 0 && now - c.lastUsedNanos > idleFor && connected.remove(c.handler.id(), c)) {
					log.debug("handler {}: idle, released", c.handler.id());
					context.ungetService(c.reference);
				}
			}
		}
	}

	private static List<String> ids(ServiceReference<?> reference) {
		Object p = reference.getProperty(TransferCallback.HANDLER_PROPERTY);
		if (p instanceof String s) {
			return List.of(s);
		}
		if (p instanceof String[] a) {
			return List.of(a);
		}
		return p instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : List.of();
	}
}
