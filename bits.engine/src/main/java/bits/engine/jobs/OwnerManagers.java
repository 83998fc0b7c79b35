package bits.engine.jobs;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.model.JournalEntry;

/**
 * The manager for a named owner, for the engine's own clients that act for someone other than a bundle (the REST
 * API: a token's owner). Internal: the engine exports nothing, so no other bundle can ask for an owner's view.
 */
@Component(service = OwnerManagers.class)
public class OwnerManagers {
	@Reference
	private JobTable table;

	private BundleContext context;

	@Activate
	void activate(BundleContext context) {
		this.context = context;
	}

	/**
	 * @param admin whether the owner may see every owner's jobs
	 * @return the manager acting as {@code owner}; live callbacks it sets belong to the engine bundle
	 */
	public TransferManager forOwner(String owner, boolean admin) {
		InputChecks.notNull("owner", owner);
		return new OwnerManager(table, owner, context.getBundle(), () -> admin);
	}

	/**
	 * The terminal events recorded after {@code afterId} (SPEC S3), oldest first.
	 *
	 * @param owner only this owner's, or {@code null} for every owner's
	 * @param job only this job's, or {@code null} for every job's
	 */
	public List<JournalEntry> journal(long afterId, String owner, UUID job, int limit) {
		return table.journal(afterId, owner, job, limit);
	}

	/** @return the id of the latest terminal event recorded, 0 for none */
	public long lastJournalId() {
		return table.lastJournalId();
	}

	/**
	 * Tells {@code listener} of every change of any owner's job (state, progress, properties; also the change that ends
	 * a job, which then shows its final state) until the returned handle is closed. It is called once the change is
	 * durable, one change at a time in the order they were committed, on the thread that made it or on another: it
	 * must not block.
	 */
	public Listening listen(Consumer<TransferJob> listener) {
		Bundle engine = context.getBundle();
		Notifier n = job -> table.view(job, engine).ifPresent(listener);
		table.attachNotifier(n);
		return () -> table.detachNotifier(n);
	}

	/**
	 * Runs {@code work}, calls of {@code job}'s setters, {@code addFiles} and {@code resume}, as one change: each call
	 * refuses bad input at once, and the changes are made and persisted together at the end, or not at all (nor is the
	 * job's modification time touched). At most one {@code addFiles}.
	 *
	 * @param job a job of a manager of this engine
	 */
	public void atomically(TransferJob job, Runnable work) {
		((JobHandle) job).batch(work);
	}

	/** A listener's registration; closing it stops the calls. */
	public interface Listening extends AutoCloseable {
		@Override
		void close();
	}

	/** The directory of the store the jobs live in, where the API keeps its token and address files. */
	public Path storeDirectory() {
		return table.storeDirectory();
	}
}
