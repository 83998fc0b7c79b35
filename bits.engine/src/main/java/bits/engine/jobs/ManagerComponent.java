package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import bits.api.ErrorCodes;
import bits.api.HandlerInfo;
import bits.api.JobScope;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.config.EngineConfig;

/**
 * The manager service (BITS {@code IBackgroundCopyManager}). Bundle scope gives each calling bundle its own
 * instance, so the owner of a job is the bundle that created it. The all-owners view is for the engine itself (its
 * shell commands) and the bundles listed in {@value #ADMIN_BUNDLES}.
 */
@Component(service = TransferManager.class, scope = ServiceScope.BUNDLE, configurationPid = EngineConfig.PID)
public class ManagerComponent implements TransferManager {
	static final String ADMIN_BUNDLES = "admin.bundles";

	@Reference
	private JobTable table;

	private String owner;
	private Bundle caller;
	private boolean engine;
	private volatile boolean admin;

	@Activate
	void activate(ComponentContext context, EngineConfig config) {
		caller = context.getUsingBundle();
		owner = caller.getSymbolicName();
		engine = caller.getBundleId() == context.getBundleContext().getBundle().getBundleId(); // the shell commands
		modified(config);
	}

	@Modified
	void modified(EngineConfig config) {
		admin = engine || List.of(config.admin_bundles()).stream().map(String::trim).anyMatch(owner::equals);
	}

	@Override
	public TransferJob createJob(String displayName, JobType type) {
		return new JobHandle(table, table.create(owner, displayName, type), caller);
	}

	@Override
	public TransferJob getJob(UUID id, JobScope scope) {
		InputChecks.notNull("scope", scope);
		return new JobHandle(table, table.find(id, visible(scope)), caller);
	}

	@Override
	public List<TransferJob> listJobs(JobScope scope) {
		InputChecks.notNull("scope", scope);
		List<TransferJob> result = new ArrayList<>();
		table.list(visible(scope)).forEach(j -> result.add(new JobHandle(table, j, caller)));
		return result;
	}

	/** @return the owner whose jobs the scope shows, {@code null} for all; the all-owners view is a privilege */
	private String visible(JobScope scope) {
		if (scope == JobScope.OWNER) {
			return owner;
		}
		if (!admin) {
			throw new TransferException(ErrorCodes.E_ACCESSDENIED, "bundle " + owner + " may not use the all-owners view: only the"
					+ " engine and the bundles listed in the engine's configuration " + ADMIN_BUNDLES + " (PID " + EngineConfig.PID + ") may");
		}
		return null;
	}

	@Override
	public List<HandlerInfo> listHandlers() {
		return table.handlers();
	}

	@Override
	public String getOwner() {
		return owner;
	}
}
