package bits.engine.shell;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.felix.service.command.Descriptor;
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

	private final PrintStream out = System.out;

	@Descriptor("set a job's persistent handler id; one that no installed bundle and no configured repository provides is refused")
	public void sethandler(@Descriptor("job") String job, @Descriptor("handler id") String id) {
		JobRefs.resolve(manager, job).setHandlerId(id);
	}

	@Descriptor("clear a job's persistent handler id")
	public void clearhandler(@Descriptor("job") String job) {
		JobRefs.resolve(manager, job).setHandlerId(null);
	}

	@Descriptor("list the handler ids the engine knows: ACTIVE (service registered), INSTALLED, AVAILABLE (in an index only), and the jobs naming each")
	public void handlers() {
		Map<String, StringBuilder> naming = new TreeMap<>();
		for (TransferJob j : manager.listJobs(JobScope.ALL_OWNERS)) {
			Optional<String> id = j.getHandlerId();
			id.ifPresent(h -> naming.computeIfAbsent(h, k -> new StringBuilder()).append(' ').append(j.getId()));
		}
		List<HandlerInfo> infos = manager.listHandlers();
		for (HandlerInfo h : infos) {
			StringBuilder jobs = naming.remove(h.id());
			out.println(h.id() + " " + h.state() + " " + h.bundle() + " " + h.version() + " " + h.source() + " jobs:"
					+ (jobs == null ? " -" : jobs));
		}
		naming.forEach((id, jobs) -> out.println(id + " UNKNOWN - - - jobs:" + jobs)); // its provider went away
	}
}
