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
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
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
import bits.api.TransferException;
import bits.engine.config.DataArea;
import bits.engine.config.EngineConfig;
import bits.engine.jobs.HandlerCatalog;
import bits.engine.jobs.HandlerSpec;

/**
 * Turns handler ids into callbacks (SPEC H2-H6, N5). It tracks handler services by reference only, so tracking never
 * activates a delayed component; a callback is obtained when a notification needs it, in this order: already
 * connected; service registered (getService activates the component); bundle installed (start it); only in a
 * configured index (resolve, verify, install, start). The object so obtained stays connected until its service goes
 * away or it is idle too long. Installed handler bundles are found again through their {@code bits.handler}
 * capability; the bundles it installed are recorded in its data area, so that they are trusted again after a restart.
 * A service or bundle is used for a job only if {@link HandlerTrust} trusts it for the job's owner, and only if its
 * version is in the range the job names (SPEC H8).
 * <p>
 * Lifecycle (SPEC H7, H9): before a handler bundle the engine installed is called, the indexes are asked whether they
 * offer a higher version for the id (in the job's range), or the same version with another SHA-256; if so the bundle
 * is updated first. Calls enter and leave each bundle through {@link Gates}: an update closes the bundle's gate, waits
 * until no callback of it runs, changes it, and opens the gate again; the notification that asked for it is then
 * delivered by the new version. A notification is never acknowledged by an update, so none is lost: if the update
 * cannot happen now (a callback still runs after the wait, a download fails), the notification stays in the outbox
 * and is tried again. A timer uninstalls the bundles the engine installed that no job has needed for the idle time.
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
	private volatile long uninstallIdleMillis;
	private volatile Supplier<Set<String>> namedIds;
	private final Gates gates = new Gates();
	private ScheduledExecutorService idle;

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		installedBundles = new InstalledBundles(DataArea.file(context, "handler-bundles.properties"), log);
		installedBundles.settle(context::getBundle); // installs a crash cut short
		idle = Executors.newSingleThreadScheduledExecutor(r -> {
			Thread t = new Thread(r, "bits-handler-idle");
			t.setDaemon(true);
			return t;
		});
		idle.scheduleWithFixedDelay(this::releaseIdle, 1, 1, TimeUnit.SECONDS);
		modified(config);
		idle.schedule(this::sweep, 1, TimeUnit.SECONDS);
	}

	@Modified
	void modified(EngineConfig config) {
		repositories = new Repositories(config.handler_repositories(),
				new Download(config.handler_download_max_bytes(), Duration.ofMillis(config.handler_download_timeout_ms())),
				new BundleOrigins(config.handler_bundle_roots()), Duration.ofSeconds(config.handler_repository_refresh_s()), log);
		trust = HandlerTrust.of(installedBundles, config.handler_bundles());
		activationTimeoutMs = Math.max(1, config.handler_activation_timeout_ms());
		idleNanos = TimeUnit.SECONDS.toNanos(config.handler_idle_s());
		uninstallIdleMillis = TimeUnit.SECONDS.toMillis(Math.max(0, config.handler_uninstall_idle_s()));
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
	 * @param text the handler id as the job names it, perhaps with a version range
	 * @param owner the owner of the job to be notified: only a handler trusted for its jobs is used
	 * @return the handler's callback, installing, starting or updating its bundle if need be; the caller calls
	 *         {@link #done} after the call
	 * @throws HandlerException naming why not, for the job and the log
	 */
	public Handler obtain(String text, String owner) throws HandlerException {
		HandlerSpec spec = spec(text);
		String id = spec.id();
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(activationTimeoutMs);
		boolean updated = false;
		for (;;) {
			Bundle closed;
			synchronized (lock(id)) { // one provisioning per id, however many notifications need it
				Connected c = connected(spec, owner);
				ServiceReference<TransferCallback> reference = c != null ? c.reference : registered(spec, owner);
				Bundle bundle = c != null ? c.handler.bundle() : reference != null ? reference.getBundle() : installedProvider(spec, owner);
				if (bundle != null && gates.closed(bundle.getBundleId())) {
					closed = bundle; // being updated (perhaps for another id it provides) or uninstalled: wait, then look again
				} else {
					if (bundle != null && !updated) {
						Resource newer = newerEntry(spec, bundle, false);
						if (newer != null) { // before this delivery, never during a callback (SPEC H7)
							updated = true;
							updateBundle(id, bundle, newer);
							continue;
						}
					}
					if (c == null) {
						if (reference == null) {
							if (bundle != null) {
								Provisioner.start(id, bundle, context);
							} else {
								Resource resource = repositoryProvider(spec);
								if (resource == null) {
									throw HandlerException.notFound(text);
								}
								bundle = provisioner().provision(id, resource).get(0);
							}
							reference = awaitService(spec, bundle, owner);
						}
						c = connect(id, reference);
					}
					if (gates.tryEnter(c.handler.bundle().getBundleId())) {
						return use(c);
					}
					closed = c.handler.bundle(); // closed meanwhile: wait, then look again
				}
			}
			try {
				gates.awaitOpen(closed.getBundleId(), deadline);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw HandlerException.failed(id, "interrupted while its bundle was being updated");
			}
			if (System.nanoTime() - deadline > 0) {
				throw HandlerException.failed(id, "its bundle " + closed.getSymbolicName() + " is still being updated or uninstalled");
			}
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
		gates.exit(handler.bundle().getBundleId());
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
		HandlerSpec spec = HandlerSpec.parse(id);
		return registered(spec, owner) != null || installedProvider(spec, owner) != null || repositoryProvider(spec) != null;
	}

	/**
	 * @return every id known: registered services, installed bundles' capabilities, the configured indexes; each with the
	 *         highest version the indexes offer for it
	 */
	@Override
	public List<HandlerInfo> list() {
		Map<String, HandlerInfo> infos = new TreeMap<>();
		Map<String, Version> available = new TreeMap<>();
		Map<String, HandlerInfo> offered = new TreeMap<>();
		for (RepositoryIndex index : repositories.indexes()) {
			for (Resource r : index.resources()) {
				for (Capability c : r.getCapabilities(HandlerRequirement.NAMESPACE)) {
					String id = String.valueOf(c.getAttributes().get(HandlerRequirement.NAMESPACE));
					String[] identity = RepositoryIndex.identity(r).split(" ", 2);
					available.merge(id, RepositoryIndex.version(r), (a, b) -> a.compareTo(b) >= 0 ? a : b);
					offered.merge(id, new HandlerInfo(id, HandlerState.AVAILABLE, identity[0], identity[1], index.uri().toString()),
							(a, n) -> Version.parseVersion(n.version()).compareTo(Version.parseVersion(a.version())) > 0 ? n : a);
				}
			}
		}
		for (Bundle b : context.getBundles()) {
			BundleRevision revision = b.adapt(BundleRevision.class);
			if (revision == null) {
				continue;
			}
			for (Capability c : revision.getCapabilities(HandlerRequirement.NAMESPACE)) {
				String id = String.valueOf(c.getAttributes().get(HandlerRequirement.NAMESPACE));
				ServiceReference<TransferCallback> reference = registered(id);
				HandlerState state = reference != null && b.equals(reference.getBundle()) ? HandlerState.ACTIVE : HandlerState.INSTALLED;
				infos.merge(id, new HandlerInfo(id, state, b.getSymbolicName(), b.getVersion().toString(), b.getLocation(), text(available.get(id))),
						(a, n) -> a.state() == HandlerState.ACTIVE ? a : n);
			}
		}
		synchronized (this) {
			registered.forEach((id, refs) -> {
				Bundle b = refs.get(0).getBundle();
				if (b != null) {
					infos.putIfAbsent(id, new HandlerInfo(id, HandlerState.ACTIVE, b.getSymbolicName(), b.getVersion().toString(), b.getLocation(),
							text(available.get(id))));
				}
			});
		}
		offered.forEach((id, h) -> infos.putIfAbsent(id, new HandlerInfo(id, h.state(), h.bundle(), h.version(), h.source(), text(available.get(id)))));
		return List.copyOf(infos.values());
	}

	private static String text(Version v) {
		return v == null ? null : v.toString();
	}

	/**
	 * Updates the bundle the engine installed for the id now, reading the indexes again first (SPEC H7).
	 *
	 * @param text the handler id, perhaps with a version range the update must stay in
	 */
	@Override
	public HandlerInfo update(String text) {
		HandlerSpec spec = HandlerSpec.parse(text);
		String id = spec.id();
		synchronized (lock(id)) {
			Bundle bundle = installedProvider(spec, null);
			if (bundle == null) {
				throw new TransferException(bits.api.ErrorCodes.HANDLER_NOT_FOUND, "handler " + text + ": the engine installed no bundle"
						+ " that provides it; only bundles it installed from its repositories are updated");
			}
			Resource newer = newerEntry(spec, bundle, true);
			if (newer != null) {
				try {
					updateBundle(id, bundle, newer);
				} catch (HandlerException e) {
					throw new TransferException(e.code(), e.getMessage());
				}
			}
		}
		return list().stream().filter(h -> h.id().equals(id)).findFirst().orElseThrow();
	}

	@Override
	public void attachJobs(Supplier<Set<String>> namedIds) {
		this.namedIds = namedIds;
	}

	private Provisioner provisioner() {
		return new Provisioner(context, resolver, repositories, installedBundles, log);
	}

	private static HandlerSpec spec(String text) throws HandlerException {
		try {
			return HandlerSpec.parse(text);
		} catch (IllegalArgumentException e) {
			throw HandlerException.failed(text, e.getMessage());
		}
	}

	/**
	 * @param reread whether to read the indexes again now, changed or not
	 * @return the index entry the engine-installed bundle is to be updated to: the highest version offered for the id
	 *         within the job's range if it is higher than the one installed, or the same version if no entry of it has
	 *         the SHA-256 installed; {@code null} if none, or if the engine did not install the bundle
	 */
	private Resource newerEntry(HandlerSpec spec, Bundle bundle, boolean reread) {
		InstalledBundles.Installed installed = installedBundles.get(bundle);
		if (installed == null) {
			return null; // bundles the engine did not install are never touched
		}
		Version current = installed.version() != null ? installed.version() : bundle.getVersion();
		List<Resource> offered = repositoryProviders(spec, reread);
		Version best = offered.stream().map(RepositoryIndex::version).max(Comparator.naturalOrder()).orElse(null);
		if (best == null || best.compareTo(current) < 0) {
			return null;
		}
		List<Resource> entries = offered.stream().filter(r -> RepositoryIndex.version(r).equals(best)).toList();
		if (best.equals(current) && entries.stream().map(RepositoryIndex::content)
				.anyMatch(c -> c != null && c.sha256().equalsIgnoreCase(installed.sha256()))) {
			return null; // up to date
		}
		String name = bundle.getSymbolicName();
		for (Bundle other : context.getBundles()) { // another bundle is that version already: it serves the id
			if (other != bundle && best.equals(other.getVersion()) && name != null && name.equals(other.getSymbolicName())) {
				return null;
			}
		}
		return entries.get(0);
	}

	/**
	 * Closes the bundle's gate, waits (at most the activation timeout) until none of its callbacks runs, updates it,
	 * and opens the gate again. Connected callbacks of the old version go with its services.
	 */
	private void updateBundle(String id, Bundle bundle, Resource entry) throws HandlerException {
		long bundleId = bundle.getBundleId();
		if (gates.busy(bundleId)) {
			log.info("handler {}: the update of {} {} to {} waits until its running callbacks return", id, bundle.getSymbolicName(),
					bundle.getVersion(), RepositoryIndex.identity(entry));
		}
		try {
			if (!gates.close(bundleId, TimeUnit.MILLISECONDS.toNanos(activationTimeoutMs))) {
				throw HandlerException.failed(id, "its update to " + RepositoryIndex.identity(entry) + " waits: a callback of "
						+ bundle.getSymbolicName() + " " + bundle.getVersion() + " is still running after " + activationTimeoutMs + " ms");
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw HandlerException.failed(id, "interrupted while waiting to update its bundle");
		}
		try {
			provisioner().update(id, bundle, entry);
		} finally {
			gates.open(bundleId);
		}
	}

	private Object lock(String id) {
		return locks.computeIfAbsent(id, k -> new Object());
	}

	/** @return the connected handler for the id trusted for the owner's jobs, of a version in the job's range */
	private Connected connected(HandlerSpec spec, String owner) {
		for (Connected c : connected.values()) {
			Bundle b = c.handler.bundle();
			if (c.handler.id().equals(spec.id()) && spec.accepts(b.getVersion()) && trust.trusted(b, owner)) {
				return c;
			}
		}
		return null;
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
	private synchronized ServiceReference<TransferCallback> awaitService(HandlerSpec spec, Bundle bundle, String owner) throws HandlerException {
		String id = spec.id();
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(activationTimeoutMs);
		ServiceReference<TransferCallback> reference;
		while ((reference = registered(spec, owner)) == null) {
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

	/** @return the highest-ranked service with the id whose bundle is trusted for the owner's jobs and in the job's range */
	private synchronized ServiceReference<TransferCallback> registered(HandlerSpec spec, String owner) {
		List<ServiceReference<TransferCallback>> refs = registered.get(spec.id());
		return refs == null ? null
				: refs.stream().filter(r -> inRange(spec, r.getBundle()) && trusted(spec.id(), r.getBundle(), owner))
						.max(Comparator.naturalOrder()).orElse(null);
	}

	/**
	 * @param owner the job's owner, or {@code null} for the bundles the engine installed only
	 * @return the installed bundle trusted for the owner's jobs with the highest version in the job's range that declares
	 *         the id, in any state
	 */
	private Bundle installedProvider(HandlerSpec spec, String owner) {
		FrameworkWiring wiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		Collection<BundleCapability> found = wiring.findProviders(new HandlerRequirement(spec.id()));
		return found.stream().map(c -> c.getRevision().getBundle()).filter(b -> b.getState() != Bundle.UNINSTALLED)
				.filter(b -> spec.accepts(b.getVersion()))
				.filter(b -> owner == null ? installedBundles.contains(b) : trusted(spec.id(), b, owner))
				.max(Comparator.comparing(Bundle::getVersion)).orElse(null);
	}

	private static boolean inRange(HandlerSpec spec, Bundle b) {
		return b != null && spec.accepts(b.getVersion());
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

	/** @return the index entry with the highest version in the job's range that provides the id */
	private Resource repositoryProvider(HandlerSpec spec) {
		return repositoryProviders(spec, false).stream().max(Comparator.comparing(RepositoryIndex::version)).orElse(null);
	}

	/** @return the index entries in the job's range that provide the id, in the configured order */
	private List<Resource> repositoryProviders(HandlerSpec spec, boolean reread) {
		return Repositories.providers(repositories.indexes(reread), new HandlerRequirement(spec.id())).stream()
				.map(Capability::getResource).filter(r -> spec.accepts(RepositoryIndex.version(r))).distinct().toList();
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

	/**
	 * Uninstalls the bundles the engine installed that no job has needed for the idle time (SPEC H9), then schedules
	 * itself again. A bundle is needed while a job not yet final names an id it provides (in the job's range), while a
	 * callback of it runs, and while another bundle is wired to it (a library). Bundles the engine did not install are
	 * never looked at. Without the job table attached nothing is uninstalled.
	 */
	private void sweep() {
		long idleFor = uninstallIdleMillis;
		try {
			Supplier<Set<String>> named = namedIds;
			if (idleFor > 0 && named != null) {
				uninstallIdle(named, idleFor);
			}
		} catch (RuntimeException e) {
			log.error("uninstalling idle handler bundles failed: {}", e.toString());
		} finally {
			long next = idleFor <= 0 ? 60_000 : Math.max(250, Math.min(60_000, idleFor / 4));
			try {
				idle.schedule(this::sweep, next, TimeUnit.MILLISECONDS);
			} catch (java.util.concurrent.RejectedExecutionException e) {
				// deactivated
			}
		}
	}

	private void uninstallIdle(Supplier<Set<String>> named, long idleFor) {
		long now = System.currentTimeMillis();
		List<Bundle> idleBundles = new ArrayList<>();
		Bundle[] all = context.getBundles();
		java.util.Arrays.sort(all, Comparator.comparingLong(Bundle::getBundleId)); // oldest first, each sweep in the same order
		for (Bundle b : all) {
			InstalledBundles.Installed installed = installedBundles.get(b);
			if (installed == null || b.getState() == Bundle.UNINSTALLED) {
				continue;
			}
			if (needed(b, named.get())) {
				installedBundles.idleSince(b, 0);
			} else if (installed.idleSince() == 0) {
				installedBundles.idleSince(b, now);
			} else if (now - installed.idleSince() >= idleFor) {
				idleBundles.add(b);
			}
		}
		List<Bundle> removed = new ArrayList<>();
		for (Bundle b : idleBundles) {
			long id = b.getBundleId();
			try {
				if (!gates.close(id, 0)) {
					continue; // a callback runs: needed after all
				}
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
			try {
				if (needed(b, named.get())) { // a job named it meanwhile
					continue;
				}
				log.info("handler bundle {} {}: no job has needed it for {} s; uninstalled (installed by the engine from {})",
						b.getSymbolicName(), b.getVersion(), TimeUnit.MILLISECONDS.toSeconds(now - installedBundles.get(b).idleSince()),
						installedBundles.get(b).repository());
				installedBundles.remove(b);
				b.uninstall();
				removed.add(b);
			} catch (org.osgi.framework.BundleException | RuntimeException e) {
				log.warn("uninstalling idle handler bundle {} failed: {}", b, e.toString());
			} finally {
				gates.open(id);
			}
		}
		if (!removed.isEmpty()) {
			context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class).refreshBundles(removed);
		}
	}

	/** @return whether a job names an id the bundle provides, a callback of it runs, or another bundle is wired to it */
	private boolean needed(Bundle b, Set<String> named) {
		if (gates.busy(b.getBundleId())) {
			return true;
		}
		BundleRevision revision = b.adapt(BundleRevision.class);
		if (revision != null) {
			for (Capability c : revision.getCapabilities(HandlerRequirement.NAMESPACE)) {
				String id = String.valueOf(c.getAttributes().get(HandlerRequirement.NAMESPACE));
				for (String text : named) {
					HandlerSpec spec;
					try {
						spec = HandlerSpec.parse(text);
					} catch (IllegalArgumentException e) {
						continue;
					}
					if (spec.id().equals(id) && spec.accepts(b.getVersion())) {
						return true;
					}
				}
			}
		}
		BundleWiring wiring = b.adapt(BundleWiring.class);
		if (wiring != null) {
			for (BundleWire wire : wiring.getProvidedWires(null)) {
				Bundle requirer = wire.getRequirer().getBundle();
				if (requirer != null && !requirer.equals(b) && requirer.getState() != Bundle.UNINSTALLED) {
					return true;
				}
			}
		}
		return false;
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
