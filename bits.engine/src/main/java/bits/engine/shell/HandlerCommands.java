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

/** Gogo commands for persistent handlers (SPEC N4, N6, H1-H6): set one on a job, clear it, see them all. */
@Component(service = HandlerCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=sethandler",
		"osgi.command.function=clearhandler", "osgi.command.function=handlers" })
public class HandlerCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("set a job's persistent handler id; one that no installed bundle and no configured repository provides is refused")
	public void sethandler(@Descriptor("job") String job, @Descriptor("handler id") String id) {
		JobRefs.resolve(manager, job).setHandlerId(id);
	}

	@Descriptor("clear a job's persistent handler id")
	public void clearhandler(@Descriptor("job") String job) {
		JobRefs.resolve(manager, job).setHandlerId(null);
	}

	@Descriptor("list the handler ids the engine knows: ACTIVE (service registered), INSTALLED, AVAILABLE (in an index only), and the jobs naming each")
	public String handlers(@Descriptor("one JSON document: an array of handlers") @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
		Map<String, List<String>> naming = new TreeMap<>();
		for (TransferJob j : manager.listJobs(JobScope.ALL_OWNERS)) {
			j.getHandlerId().ifPresent(h -> naming.computeIfAbsent(h, k -> new ArrayList<>()).add(j.getId().toString()));
		}
		Map<String, HandlerInfo> known = new LinkedHashMap<>();
		manager.listHandlers().forEach(h -> known.put(h.id(), h));
		naming.keySet().forEach(id -> known.putIfAbsent(id, null)); // named by a job, but its provider went away: UNKNOWN
		if (json) {
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
					.append(" jobs: ").append(jobs.isEmpty() ? "-" : String.join(" ", jobs)).append('\n');
		});
		return b.toString().stripTrailing();
	}
}
