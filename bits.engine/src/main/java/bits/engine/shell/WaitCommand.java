package bits.engine.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.ErrorCodes;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * The Gogo command {@code wait}. A {@link Function}, not a reflective command: Gogo would match {@code bits:wait}
 * without arguments to {@link Object#wait()} of any command object, which then throws IllegalMonitorStateException.
 */
@Component(service = { Function.class, WaitCommand.class }, property = { "osgi.command.scope=bits", "osgi.command.function=wait" })
public class WaitCommand implements Function {
	@Reference
	private TransferManager manager;

	private BundleContext context;

	@Activate
	void activate(BundleContext context) {
		this.context = context;
	}

	@Override
	public Object execute(CommandSession session, List<Object> arguments) throws Exception {
		// Gogo hands a Function its words as they are: an unset variable is null, which Usage names
		return wait(Progress.terminal(session, context), arguments.stream().map(a -> a == null ? null : String.valueOf(a)).toArray(String[]::new));
	}

	@Descriptor("wait until the jobs (or --all) are TRANSFERRED, in ERROR or final, showing progress; prints each state; fails unless all were transferred")
	public String wait(@Descriptor("jobs, or --all") String... refs) throws InterruptedException {
		return wait(Boolean.parseBoolean(context.getProperty(OneShot.TERMINAL)), refs);
	}

	private String wait(boolean terminal, String... refs) throws InterruptedException {
		// --all is this command's option, not an unknown one
		if (Usage.helped(this, "wait", (Object) Arrays.stream(refs).filter(r -> !"--all".equals(r)).toArray(String[]::new))) {
			return null;
		}
		List<TransferJob> jobs = new ArrayList<>();
		if (refs.length == 1 && refs[0].equals("--all")) {
			jobs.addAll(manager.listJobs(JobScope.ALL_OWNERS));
		} else if (refs.length == 0) {
			throw Args.invalid("no job named: give job ids, id prefixes or display names, or --all");
		} else {
			for (String ref : refs) {
				jobs.add(JobRefs.resolve(manager, ref));
			}
		}
		Progress.awaitSettled(jobs, System.err, terminal);
		StringBuilder states = new StringBuilder();
		List<String> failed = new ArrayList<>();
		int code = ErrorCodes.BG_E_INVALID_STATE; // a job cancelled or acknowledged elsewhere; else the first error's code
		for (TransferJob j : jobs) {
			JobState s = j.getState();
			states.append(states.length() == 0 ? "" : "\n").append(jobs.size() == 1 ? s.toString() : j.getDisplayName() + " " + s);
			if (s != JobState.TRANSFERRED && s != JobState.ACKNOWLEDGED) {
				if (failed.isEmpty() && j.getError().isPresent()) {
					code = j.getError().get().code();
				}
				failed.add("'" + j.getDisplayName() + "' is " + s + j.getError().map(e -> ": " + e.description()).orElse(""));
			}
		}
		if (!failed.isEmpty()) {
			throw new TransferException(code, String.join("; ", failed));
		}
		return states.toString();
	}
}
