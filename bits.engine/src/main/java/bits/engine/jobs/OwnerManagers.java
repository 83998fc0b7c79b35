package bits.engine.jobs;

import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.TransferManager;
import bits.engine.config.EngineConfig;

/**
 * The manager for a named owner, for the engine's own clients that act for someone other than a bundle (the REST
 * API: a token's owner). Internal: the engine exports nothing, so no other bundle can ask for an owner's view.
 */
@Component(service = OwnerManagers.class, configurationPid = EngineConfig.PID)
public class OwnerManagers {
	@Reference
	private JobTable table;

	private BundleContext context;
	private Path storeDirectory;

	@Activate
	void activate(BundleContext context, EngineConfig config) {
		this.context = context;
		storeDirectory = Housekeeping.storeDirectory(context, config);
	}

	/**
	 * @param admin whether the owner may see every owner's jobs
	 * @return the manager acting as {@code owner}; live callbacks it sets belong to the engine bundle
	 */
	public TransferManager forOwner(String owner, boolean admin) {
		InputChecks.notNull("owner", owner);
		return new OwnerManager(table, owner, context.getBundle(), () -> admin);
	}

	/** The directory of the store the jobs live in, where the API keeps its token and address files. */
	public Path storeDirectory() {
		return storeDirectory;
	}
}
