package bits.engine.jobs;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import bits.api.HandlerInfo;
import bits.api.JobScope;
import bits.api.JobType;
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
	private OwnerManager view;

	@Activate
	void activate(ComponentContext context, EngineConfig config) {
		caller = context.getUsingBundle();
		owner = caller.getSymbolicName();
		engine = caller.getBundleId() == context.getBundleContext().getBundle().getBundleId(); // the shell commands
		modified(config);
		view = new OwnerManager(table, owner, caller, () -> admin);
	}

	@Modified
	void modified(EngineConfig config) {
		admin = engine || List.of(config.admin_bundles()).stream().map(String::trim).anyMatch(owner::equals);
	}

	@Override
	public TransferJob createJob(String displayName, JobType type) {
		return view.createJob(displayName, type);
	}

	@Override
	public TransferJob createJob(String displayName, JobType type, Consumer<TransferJob> setup) {
		return view.createJob(displayName, type, setup);
	}

	@Override
	public TransferJob getJob(UUID id, JobScope scope) {
		return view.getJob(id, scope);
	}

	@Override
	public List<TransferJob> listJobs(JobScope scope) {
		return view.listJobs(scope);
	}

	@Override
	public List<HandlerInfo> listHandlers() {
		return view.listHandlers();
	}

	@Override
	public HandlerInfo updateHandler(String handlerId) {
		return view.updateHandler(handlerId);
	}

	@Override
	public String getOwner() {
		return owner;
	}
}
