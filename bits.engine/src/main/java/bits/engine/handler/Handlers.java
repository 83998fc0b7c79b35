package bits.engine.handler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
import bits.engine.jobs.HandlerCatalog;

/**
 * Turns handler ids into callbacks (SPEC H2-H6, N5). It tracks handler services by reference only, so tracking never
 * activates a delayed component; a callback is obtained when a notification needs it, in this order: already
 * connected; service registered (getService activates the component); bundle installed (start it); only in a
 * configured index (resolve, verify, install, start). The object so obtained stays connected until its service goes
 * away or it is idle too long. Installed handler bundles are found again through their {@code bits.handler}
 * capability; the bundles it installed are recorded in its data area, so that they are trusted again after a restart.
 * A service or bundle is used for a job only if {@link HandlerTrust} trusts it for the job's owner.
 */
@Component(service = { Handlers.class, HandlerCatalog.class }, configurationPid = EngineConfig.PID)
public class Handlers implements HandlerCatalog {
	/** A connected handler; a new connection, even to the same service, has a new serial. */
	public record Handler(String id, TransferCallback callback, Bundle bundle, long serial) {
	}

	/** Connections are per id and bundle: two owners' jobs may use two bundles' services for one id. */
	private record Key(String id, long bundle) {
		static Key of(Handler h) {
			return new Key(h.id(), h.bundle().getBundleId());
		}
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
	private final Map<Key, Connected> connected = new ConcurrentHashMap<>();
	private final Set<String> warned = ConcurrentHashMap.newKeySet();
	private final Map<String, Object> locks = new ConcurrentHashMap<>();
	private final AtomicLong serials = new AtomicLong();
	private static final long QUIET_RETRY_S = 30;
	private final Map<String, Long> quietFailures = new ConcurrentHashMap<>();
	private BundleContext context;
	private volatile Repositories repositories;
	private InstalledBundles installedBundles;
	private volatile HandlerTrust trust;
	private volatile long activationTimeoutMs;
	private volatile long idleNanos;
	private ScheduledExecutorService idle;

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		java.io.File record = context.getDataFile("handler-bundles.properties");
		installedBundles = new InstalledBundles(record == null ? null : record.toPath(), log);
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
		repositories = new Repositories(config.handler_repositories(),
				new Download(config.handler_download_max_bytes(), Duration.ofMillis(config.handler_download_timeout_ms())),
				new BundleOrigins(config.handler_bundle_roots()), log);
		trust = HandlerTrust.of(installedBundles, config.handler_bundles());
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
			if (c.reference.equals(reference) && connected.remove(Key.of(c.handler), c)) {
				log.info("handler {}: its service went away; it is obtained again when next needed (SPEC H5)", c.handler.id());
				context.ungetService(reference);
			}
		}
	}

	/**
	 * @param owner the owner of the job to be notified: only a handler trusted for its jobs is used
	 * @return the handler's callback, installing and starting its bundle if need be; the caller calls {@link #done}
	 *         after the call
	 * @throws HandlerException naming why not, for the job and the log
	 */
	public Handler obtain(String id, String owner) throws HandlerException {
		synchronized (lock(id)) { // one provisioning per id, however many notifications need it
			for (Connected c : connected.values()) {
				if (c.handler.id().equals(id) && trust.trusted(c.handler.bundle(), owner)) {
					return use(c);
				}
			}
			ServiceReference<TransferCallback> reference = registered(id, owner);
			if (reference == null) {
				Bundle bundle = installedProvider(id, owner);
				if (bundle != null) {
					Provisioner.start(id, bundle, context);
				} else {
					Resource resource = repositoryProvider(id);
					if (resource == null) {
						throw HandlerException.notFound(id);
					}
					bundle = new Provisioner(context, resolver, repositories, installedBundles, log).provision(id, resource).get(0);
				}
				reference = awaitService(id, bundle, owner);
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
	public Optional<Handler> obtainQuietly(String id, String owner) {
		String key = id + "\n" + owner;
		Long failed = quietFailures.get(key);
		if (failed != null && System.nanoTime() - failed < TimeUnit.SECONDS.toNanos(QUIET_RETRY_S)) {
			return Optional.empty();
		}
		try {
			Handler h = obtain(id, owner);
			quietFailures.remove(key);
			return Optional.of(h);
		} catch (HandlerException e) {
			quietFailures.put(key, System.nanoTime());
			log.warn("{} (a modification notification is dropped)", e.getMessage());
			return Optional.empty();
		}
	}

	/** The call on a handler obtained with {@link #obtain} or {@link #obtainQuietly} returned. */
	public void done(Handler handler) {
		synchronized (lock(handler.id())) {
			Connected c = connected.get(Key.of(handler));
			if (c != null && c.handler.serial() == handler.serial()) {
				c.calls--;
				c.lastUsedNanos = System.nanoTime();
			}
		}
	}

	/** @return whether the handler is still connected: its service was not unregistered, nor released as idle */
	public boolean valid(Handler handler) {
		Connected c = connected.get(Key.of(handler));
		return c != null && c.handler.serial() == handler.serial();
	}

	/**
	 * @return whether a registered service or an installed bundle trusted for the owner's jobs, or a configured index,
	 *         provides the id (SPEC N6): the same sources {@link #obtain} would use
	 */
	@Override
	public boolean provides(String id, String owner) {
		return registered(id, owner) != null || installedProvider(id, owner) != null || repositoryProvider(id) != null;
	}

	/** @return every id known: registered services, installed bundles' capabilities, the configured indexes */
	@Override
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
		Connected before = connected.put(Key.of(c.handler), c);
		if (before != null) { // the same bundle's service for the id, connected again: release the old one
			context.ungetService(before.reference);
		}
		if (reference.getBundle() == null) { // unregistered while we connected: unbind may have missed it
			connected.remove(Key.of(c.handler), c);
			context.ungetService(reference);
			throw HandlerException.failed(id, "its service was unregistered while it was obtained");
		}
		return c;
	}

	/** Waits on the engine's own thread, never in a framework callback, for the started bundle's service. */
	private synchronized ServiceReference<TransferCallback> awaitService(String id, Bundle bundle, String owner) throws HandlerException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(activationTimeoutMs);
		ServiceReference<TransferCallback> reference;
		while ((reference = registered(id, owner)) == null) {
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

	/** @return the highest-ranked service with the id, whoever registered it: for listings only */
	private synchronized ServiceReference<TransferCallback> registered(String id) {
		List<ServiceReference<TransferCallback>> refs = registered.get(id);
		return refs == null || refs.isEmpty() ? null : refs.stream().max(Comparator.naturalOrder()).orElseThrow();
	}

	/** @return the highest-ranked service with the id whose bundle is trusted for the owner's jobs */
	private synchronized ServiceReference<TransferCallback> registered(String id, String owner) {
		List<ServiceReference<TransferCallback>> refs = registered.get(id);
		return refs == null ? null : refs.stream().filter(r -> trusted(id, r.getBundle(), owner)).max(Comparator.naturalOrder()).orElse(null);
	}

	/** @return the installed bundle trusted for the owner's jobs with the highest version that declares the id, in any state */
	private Bundle installedProvider(String id, String owner) {
		FrameworkWiring wiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		Collection<BundleCapability> found = wiring.findProviders(new HandlerRequirement(id));
		return found.stream().map(c -> c.getRevision().getBundle()).filter(b -> b.getState() != Bundle.UNINSTALLED)
				.filter(b -> trusted(id, b, owner)).max(Comparator.comparing(Bundle::getVersion)).orElse(null);
	}

	private boolean trusted(String id, Bundle b, String owner) {
		if (b == null || trust.trusted(b, owner)) {
			return b != null;
		}
		if (warned.add(b.getBundleId() + " " + id)) {
			log.warn("handler {}: bundle {} {} provides it but is ignored for the jobs of {}: the engine did not install it from a"
					+ " configured repository, it is not listed in {}, and it is not the job's own bundle", id, b.getSymbolicName(),
					b.getVersion(), owner, HandlerTrust.HANDLER_BUNDLES);
		}
		return false;
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
				if (c.calls == 0 && now - c.lastUsedNanos > idleFor && connected.remove(Key.of(c.handler), c)) {
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
