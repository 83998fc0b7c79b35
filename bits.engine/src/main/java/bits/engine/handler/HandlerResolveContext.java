package bits.engine.handler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Capability;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;
import org.osgi.resource.Wiring;
import org.osgi.service.resolver.HostedCapability;
import org.osgi.service.resolver.ResolveContext;

/**
 * What the framework's Resolver sees when a handler bundle is to be installed: installed bundles first (so nothing is
 * installed twice and the engine's own API is shared), then the configured indexes for whatever is missing.
 */
final class HandlerResolveContext extends ResolveContext {
	private final Resource handler;
	private final BundleContext context;
	private final FrameworkWiring frameworkWiring;
	private final List<RepositoryIndex> indexes;
	private final Set<String> installed = new HashSet<>();

	HandlerResolveContext(Resource handler, BundleContext context, Repositories repositories) {
		this.handler = handler;
		this.context = context;
		this.frameworkWiring = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID).adapt(FrameworkWiring.class);
		// the indexes already read: the resolver asks many times, and an unreadable index must not be fetched each time
		this.indexes = repositories.loaded();
		for (Bundle b : context.getBundles()) {
			installed.add(b.getSymbolicName() + " " + b.getVersion());
		}
	}

	@Override
	public Collection<Resource> getMandatoryResources() {
		return List.of(handler);
	}

	@Override
	public List<Capability> findProviders(Requirement requirement) {
		List<Capability> found = new ArrayList<>(frameworkWiring.findProviders(requirement));
		for (Capability c : Repositories.providers(indexes, requirement)) {
			if (!installed.contains(RepositoryIndex.identity(c.getResource()))) {
				found.add(c);
			}
		}
		return found;
	}

	@Override
	public boolean isEffective(Requirement requirement) {
		String effective = requirement.getDirectives().get(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE);
		return effective == null || Namespace.EFFECTIVE_RESOLVE.equals(effective);
	}

	@Override
	public Map<Resource, Wiring> getWirings() {
		Map<Resource, Wiring> wirings = new HashMap<>();
		for (Bundle b : context.getBundles()) {
			BundleRevision revision = b.adapt(BundleRevision.class);
			if (revision != null && revision.getWiring() != null) {
				wirings.put(revision, revision.getWiring());
			}
		}
		return wirings;
	}

	@Override
	public int insertHostedCapability(List<Capability> capabilities, HostedCapability hosted) {
		capabilities.add(hosted);
		return capabilities.size() - 1;
	}
}
