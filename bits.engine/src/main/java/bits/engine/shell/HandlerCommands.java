package bits.engine.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.HandlerInfo;
import bits.api.JobScope;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Gogo commands for persistent handlers (SPEC N4, N6, H1-H8): set one on a job, clear it, see them all, update one. */
@Component(service = HandlerCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=sethandler",
		"osgi.command.function=clearhandler", "osgi.command.function=handlers", "osgi.command.function=updatehandler" })
public class HandlerCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("set a job's persistent handler id (ID, or ID;version=RANGE such as 'ID;version=[2,3)'); one that no installed bundle and no configured repository provides is refused")
	public String sethandler(@Descriptor("job") String job, @Descriptor("handler id, perhaps with ;version=RANGE") String id) {
		if (!Usage.helped(this, "sethandler", job, id)) {
			JobRefs.resolve(manager, job).setHandlerId(id);
		}
		return null;
	}

	@Descriptor("clear a job's persistent handler id")
	public String clearhandler(@Descriptor("job") String job) {
		if (!Usage.helped(this, "clearhandler", job)) {
			JobRefs.resolve(manager, job).setHandlerId(null);
		}
		return null;
	}

	@Descriptor("list the handler ids the engine knows: ACTIVE (service registered), INSTALLED, AVAILABLE (in an index only), the installed and the available (highest indexed) version, and the jobs naming each")
	public String handlers(@Descriptor("one JSON document: an array of handlers") @Parameter(names = "--json", presentValue = "true", absentValue = "false") String json) {
		if (Usage.helped(this, "handlers", json)) {
			return null;
		}
		Map<String, List<String>> naming = new TreeMap<>();
		for (TransferJob j : manager.listJobs(JobScope.ALL_OWNERS)) { // a job naming ID;version=RANGE is listed under ID
			j.getHandlerId().ifPresent(h -> naming.computeIfAbsent(h.split(";", 2)[0], k -> new ArrayList<>()).add(j.getId().toString()));
		}
		Map<String, HandlerInfo> known = new LinkedHashMap<>();
		manager.listHandlers().forEach(h -> known.put(h.id(), h));
		naming.keySet().forEach(id -> known.putIfAbsent(id, null)); // named by a job, but its provider went away: UNKNOWN
		if (Boolean.parseBoolean(json)) {
			return JobJson.document(w -> {
				w.writeStartArray();
				for (var e : known.entrySet()) {
					JobJson.handler(w, e.getValue(), e.getKey(), naming.getOrDefault(e.getKey(), List.of()));
				}
				w.writeEndArray();
			});
		}
		StringBuilder b = new StringBuilder();
		known.forEach((id, h) -> {
			List<String> jobs = naming.getOrDefault(id, List.of());
			b.append(id).append(' ').append(h == null ? "UNKNOWN - - -" : h.state() + " " + h.bundle() + " " + h.version() + " " + h.source())
					.append(" available: ").append(h == null || h.available() == null ? "-" : h.available())
					.append(" jobs: ").append(jobs.isEmpty() ? "-" : String.join(" ", jobs)).append('\n');
		});
		return b.toString().stripTrailing();
	}

	@Descriptor("update the handler bundle the engine installed for an id now to what its indexes offer (a higher version, or the same version rebuilt), after any running callback of it returns; bundles the engine did not install are never updated")
	public String updatehandler(@Descriptor("handler id, perhaps with ;version=RANGE to stay in") String id) {
		if (Usage.helped(this, "updatehandler", id)) {
			return null;
		}
		String before = manager.listHandlers().stream().filter(h -> h.id().equals(id.split(";", 2)[0])).map(HandlerInfo::version)
				.findFirst().orElse("-");
		HandlerInfo after = manager.updateHandler(id);
		return after.id() + " " + (before.equals(after.version()) ? "up to date: " + after.version() : "updated: " + before + " -> " + after.version())
				+ " (available: " + (after.available() == null ? "-" : after.available()) + ")";
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
