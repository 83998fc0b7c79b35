package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

import bits.api.HandlerInfo;
import bits.api.JobScope;
import bits.api.JobType;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * The manager service (BITS {@code IBackgroundCopyManager}). Bundle scope gives each calling bundle its own
 * instance, so the owner of a job is the bundle that created it.
 */
@Component(service = TransferManager.class, scope = ServiceScope.BUNDLE)
public class ManagerComponent implements TransferManager {
	@Reference
	private JobTable table;

	private String owner;
	private Bundle caller;

	@Activate
	void activate(ComponentContext context) {
		caller = context.getUsingBundle();
		owner = caller.getSymbolicName();
	}

	@Override
	public TransferJob createJob(String displayName, JobType type) {
		return new JobHandle(table, table.create(owner, displayName, type), caller);
	}

	@Override
	public TransferJob getJob(UUID id, JobScope scope) {
		InputChecks.notNull("scope", scope);
		return new JobHandle(table, table.find(id, scope == JobScope.OWNER ? owner : null), caller);
	}

	@Override
	public List<TransferJob> listJobs(JobScope scope) {
		InputChecks.notNull("scope", scope);
		List<TransferJob> result = new ArrayList<>();
		table.list(scope == JobScope.OWNER ? owner : null).forEach(j -> result.add(new JobHandle(table, j, caller)));
		return result;
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
