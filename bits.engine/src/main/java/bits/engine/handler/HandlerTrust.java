package bits.engine.handler;

import java.util.Set;

import org.osgi.framework.Bundle;

/**
 * Which bundles may handle whose jobs: any bundle could register a service with any handler id and so receive other
 * owners' notifications. A bundle is used for a job if the engine installed it from a configured repository, if it
 * is listed in {@value #HANDLER_BUNDLES}, or if it is the job's own bundle (a bundle may always handle its own jobs).
 */
record HandlerTrust(InstalledBundles installed, Set<String> handlerBundles) {
	static final String HANDLER_BUNDLES = "handler.bundles";

	static HandlerTrust of(InstalledBundles installed, String[] handlerBundles) {
		return new HandlerTrust(installed, Set.of(java.util.Arrays.stream(handlerBundles).map(String::trim)
				.filter(s -> !s.isEmpty()).distinct().toArray(String[]::new)));
	}

	boolean trusted(Bundle b, String owner) {
		if (b == null) {
			return false;
		}
		String name = b.getSymbolicName();
		return name != null && (name.equals(owner) || handlerBundles.contains(name)) || installed.contains(b);
	}
}
