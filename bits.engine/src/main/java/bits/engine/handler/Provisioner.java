package bits.engine.handler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Resource;
import org.osgi.service.log.Logger;
import org.osgi.service.resolver.ResolutionException;
import org.osgi.service.resolver.Resolver;

/**
 * Installs a handler bundle from the configured indexes with what it needs (SPEC H3), or updates one to another index
 * entry (H7): the framework's Resolver plans against installed bundles first, every bundle of the plan is downloaded
 * and checked against the index's SHA-256, and only when all of them are good are they installed (or updated),
 * resolved and started. A failure installs nothing.
 */
final class Provisioner {
	private final BundleContext context;
	private final Resolver resolver;
	private final Repositories repositories;
	private final InstalledBundles record;
	private final Logger log;

	Provisioner(BundleContext context, Resolver resolver, Repositories repositories, InstalledBundles record, Logger log) {
		this.context = context;
		this.resolver = resolver;
		this.repositories = repositories;
		this.record = record;
		this.log = log;
	}

	/** @return the bundles installed and started; the handler's comes first */
	List<Bundle> provision(String id, Resource handler) throws HandlerException {
		Map<Resource, byte[]> verified = plan(id, handler);
		List<Bundle> installed = install(id, handler, verified);
		FrameworkWiring wiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		if (!wiring.resolveBundles(installed)) {
			uninstall(installed);
			throw HandlerException.failed(id, "the framework did not resolve " + names(installed) + " as planned");
		}
		log.info("handler {}: installed {} from {}", id, names(installed), repositories.source(handler));
		for (Bundle b : installed) {
			start(id, b, context);
		}
		return installed;
	}

	/**
	 * Updates a handler bundle the engine installed to another index entry (SPEC H7), installing what the new version
	 * needs as {@link #provision} does. The caller makes sure no callback of the bundle runs meanwhile. Everything is
	 * downloaded and verified first: a failure leaves the bundle as it was.
	 */
	void update(String id, Bundle bundle, Resource handler) throws HandlerException {
		String before = bundle.getSymbolicName() + " " + bundle.getVersion();
		Map<Resource, byte[]> verified = plan(id, handler);
		byte[] bytes = verified.remove(handler);
		List<Bundle> installed = install(id, handler, verified);
		RepositoryIndex.Content content = RepositoryIndex.content(handler);
		try {
			bundle.update(new ByteArrayInputStream(bytes)); // stops it (its services go away), updates it, starts it again
		} catch (BundleException | RuntimeException e) {
			uninstall(installed);
			throw HandlerException.failed(id, "updating " + before + " to " + RepositoryIndex.identity(handler) + " failed: " + e.getMessage());
		}
		record.add(bundle, content.sha256(), RepositoryIndex.version(handler), repositories.source(handler));
		List<Bundle> refresh = new ArrayList<>(installed);
		refresh.add(bundle);
		refresh(refresh); // the old revision goes; its dependants are rewired
		log.info("handler {}: updated {} to {} from {}{}", id, before, RepositoryIndex.identity(handler), repositories.source(handler),
				installed.isEmpty() ? "" : ", with " + names(installed));
		for (Bundle b : installed) {
			start(id, b, context);
		}
		start(id, bundle, context);
	}

	/** @return every bundle of the Resolver's plan for the handler that is not installed, downloaded and verified; the handler's first */
	private Map<Resource, byte[]> plan(String id, Resource handler) throws HandlerException {
		Map<Resource, ?> plan;
		try {
			plan = resolver.resolve(new HandlerResolveContext(handler, context, repositories));
		} catch (ResolutionException e) {
			throw HandlerException.failed(id, "cannot resolve " + RepositoryIndex.identity(handler) + " from "
					+ repositories.source(handler) + ": " + e.getMessage());
		}
		List<Resource> missing = new ArrayList<>();
		missing.add(handler);
		plan.keySet().stream().filter(r -> r != handler && !(r instanceof BundleRevision)).forEach(missing::add);

		Map<Resource, byte[]> verified = new LinkedHashMap<>();
		for (Resource r : missing) {
			verified.put(r, download(id, r)); // all verified before anything is installed
		}
		return verified;
	}

	/** Installs the verified bundles and records them; if one fails, those installed are uninstalled again. */
	private List<Bundle> install(String id, Resource handler, Map<Resource, byte[]> verified) throws HandlerException {
		List<Bundle> installed = new ArrayList<>();
		String location = null;
		try {
			for (Map.Entry<Resource, byte[]> e : verified.entrySet()) {
				RepositoryIndex.Content content = RepositoryIndex.content(e.getKey());
				location = content.url().toString();
				if (context.getBundle(location) != null) { // a bundle installed from there was updated since: keep both apart
					location = location + "#sha256=" + content.sha256();
				}
				long above = Arrays.stream(context.getBundles()).mapToLong(Bundle::getBundleId).max().orElse(0);
				// recorded before and after: a crash in between leaves a bundle the engine knows as its own
				record.installing(location, above, content.sha256(), RepositoryIndex.version(e.getKey()), repositories.source(e.getKey()));
				Bundle b = context.installBundle(location, new ByteArrayInputStream(e.getValue()));
				installed.add(b);
				// so that it is trusted as a handler, also after a restart, and updated when its index changes
				record.add(b, content.sha256(), RepositoryIndex.version(e.getKey()), repositories.source(e.getKey()));
				location = null;
			}
		} catch (BundleException | RuntimeException e) {
			if (location != null) {
				record.notInstalled(location);
			}
			uninstall(installed);
			throw HandlerException.failed(id, "installing " + RepositoryIndex.identity(handler) + " failed: " + e.getMessage());
		}
		return installed;
	}

	/** Refreshes the bundles and waits (bounded) for the framework to finish. */
	private void refresh(List<Bundle> bundles) {
		FrameworkWiring wiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
		wiring.refreshBundles(bundles, e -> done.countDown());
		try {
			if (!done.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
				log.warn("refreshing {} has not finished after 60 s", names(bundles));
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Starts a bundle persistently, honouring a lazy activation policy (the service is registered while STARTING). A
	 * handler runs whenever its engine does: a start level above the engine's (a launcher's initial bundle start level
	 * may be above the framework's active level) is lowered to the engine's.
	 */
	static void start(String id, Bundle b, BundleContext engine) throws HandlerException {
		if ((b.getState() & (Bundle.ACTIVE | Bundle.STARTING)) != 0 || b.getHeaders("").get("Fragment-Host") != null) {
			return;
		}
		try {
			int level = engine.getBundle().adapt(BundleStartLevel.class).getStartLevel();
			BundleStartLevel handlerLevel = b.adapt(BundleStartLevel.class);
			if (handlerLevel.getStartLevel() > level) {
				handlerLevel.setStartLevel(level);
			}
			b.start(Bundle.START_ACTIVATION_POLICY);
		} catch (BundleException | RuntimeException e) {
			throw HandlerException.failed(id, "starting " + b.getSymbolicName() + " " + b.getVersion() + " failed: "
					+ e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
		}
	}

	private byte[] download(String id, Resource r) throws HandlerException {
		RepositoryIndex.Content content = RepositoryIndex.content(r);
		if (content == null) {
			throw HandlerException.failed(id, RepositoryIndex.identity(r) + " has no content URL and SHA-256 in its index");
		}
		String refusal = repositories.refusal(r, content.url());
		if (refusal != null) {
			throw HandlerException.failed(id, refusal);
		}
		byte[] bytes;
		try {
			bytes = repositories.download().fetch(content.url());
		} catch (IOException | RuntimeException e) {
			throw HandlerException.failed(id, "downloading " + content.url() + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
		}
		String actual = sha256(bytes);
		if (!actual.equalsIgnoreCase(content.sha256())) {
			throw HandlerException.failed(id, content.url() + " has SHA-256 " + actual + " but the index says "
					+ content.sha256() + "; refused, nothing installed");
		}
		return bytes;
	}

	static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java platform has SHA-256", e);
		}
	}

	private void uninstall(List<Bundle> bundles) {
		for (Bundle b : bundles) {
			try {
				record.remove(b);
				b.uninstall();
			} catch (BundleException | RuntimeException e) {
				log.warn("uninstalling {} after a failed provisioning failed: {}", b, e.toString());
			}
		}
	}

	private static String names(List<Bundle> bundles) {
		return bundles.stream().map(b -> b.getSymbolicName() + " " + b.getVersion()).toList().toString();
	}
}
