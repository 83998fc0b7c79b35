package bits.engine.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;

import bits.api.ErrorCodes;
import bits.api.HandlerInfo;
import bits.api.JobScope;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.config.EngineConfig;

/** The manager as one owner sees it: that owner's jobs, and every owner's only when the owner is an admin. */
final class OwnerManager implements TransferManager {
	private final JobTable table;
	private final String owner;
	/** The bundle live callbacks belong to: they are dropped when it stops. */
	private final Bundle caller;
	private final BooleanSupplier admin;

	OwnerManager(JobTable table, String owner, Bundle caller, BooleanSupplier admin) {
		this.table = table;
		this.owner = owner;
		this.caller = caller;
		this.admin = admin;
	}

	@Override
	public TransferJob createJob(String displayName, JobType type) {
		return new JobHandle(table, table.create(owner, displayName, type, null), caller);
	}

	@Override
	public TransferJob createJob(String displayName, JobType type, Consumer<TransferJob> setup) {
		InputChecks.notNull("setup", setup);
		return new JobHandle(table, table.create(owner, displayName, type, slot -> setup.accept(new JobHandle(table, slot, caller))), caller);
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
		if (!admin.getAsBoolean()) {
			throw new TransferException(ErrorCodes.E_ACCESSDENIED, owner + " may not use the all-owners view: only the engine, the bundles"
					+ " listed in the engine's configuration " + ManagerComponent.ADMIN_BUNDLES + " (PID " + EngineConfig.PID
					+ ") and the API's admin token may");
		}
		return null;
	}

	@Override
	public List<HandlerInfo> listHandlers() {
		return table.handlers();
	}

	@Override
	public HandlerInfo updateHandler(String handlerId) {
		if (!admin.getAsBoolean()) {
			throw new TransferException(ErrorCodes.E_ACCESSDENIED, owner + " may not update handler bundles: only the engine, the"
					+ " bundles listed in the engine's configuration " + ManagerComponent.ADMIN_BUNDLES + " (PID " + EngineConfig.PID
					+ ") and the API's admin token may");
		}
		return table.updateHandler(handlerId);
	}

	@Override
	public String getOwner() {
		return owner;
	}
}
