package bits.engine.shell;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.JobScope;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo commands that show jobs: bitsadmin's /list, /info, /listfiles and /monitor, each with {@code --json}. Flags are
 * strings ("true" or "false"), not booleans, so that Gogo never prefers the {@link Usage} fallback (see there).
 */
@Component(service = ViewCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=list",
		"osgi.command.function=info", "osgi.command.function=files", "osgi.command.function=monitor" })
public class ViewCommands {
	private static final String CLEAR = "\033[H\033[2J"; // cursor home, erase the screen

	@Reference
	private TransferManager manager;

	@Descriptor("list the jobs that are not final: the shell's own, or every owner's with --all (bitsadmin /list [/allusers])")
	public String list(@Descriptor("every owner's jobs") @Parameter(names = { "--all", "-a" }, presentValue = "true", absentValue = "false") String all,
			@Descriptor("each job in full, as info --verbose") @Parameter(names = { "--verbose", "-v" }, presentValue = "true", absentValue = "false") String verbose,
			@Descriptor("one JSON document: an array of jobs") @Parameter(names = "--json", presentValue = "true", absentValue = "false") String json) {
		if (Usage.helped(this, "list", all, verbose, json)) {
			return null;
		}
		boolean full = Boolean.parseBoolean(verbose);
		List<TransferJob> jobs = manager.listJobs(Boolean.parseBoolean(all) ? JobScope.ALL_OWNERS : JobScope.OWNER);
		if (Boolean.parseBoolean(json)) {
			return JobJson.document(w -> {
				w.writeStartArray();
				for (TransferJob j : jobs) {
					JobJson.job(w, j, full, full);
				}
				w.writeEndArray();
			});
		}
		StringBuilder b = new StringBuilder();
		for (TransferJob j : jobs) {
			b.append(full ? JobText.job(j, true) : JobText.line(j)).append('\n');
		}
		return b.toString().stripTrailing();
	}

	@Descriptor("show a job: state, progress, times, error, handler and files; --verbose adds every property")
	public String info(@Descriptor("every property") @Parameter(names = { "--verbose", "-v" }, presentValue = "true", absentValue = "false") String verbose,
			@Descriptor("one JSON document") @Parameter(names = "--json", presentValue = "true", absentValue = "false") String json,
			@Descriptor("job") String job) {
		if (Usage.helped(this, "info", verbose, json, job)) {
			return null;
		}
		TransferJob j = JobRefs.resolve(manager, job);
		boolean full = Boolean.parseBoolean(verbose);
		return Boolean.parseBoolean(json) ? JobJson.document(w -> JobJson.job(w, j, true, full)) : JobText.job(j, full);
	}

	@Descriptor("list a job's files: index, remote URL, local path, bytes, state, validation (bitsadmin /listfiles)")
	public String files(@Descriptor("one JSON document: an array of files") @Parameter(names = "--json", presentValue = "true", absentValue = "false") String json,
			@Descriptor("job") String job) {
		if (Usage.helped(this, "files", json, job)) {
			return null;
		}
		TransferJob j = JobRefs.resolve(manager, job);
		if (Boolean.parseBoolean(json)) {
			return JobJson.document(w -> JobJson.files(w, j, true));
		}
		StringBuilder b = new StringBuilder();
		j.getFiles().forEach(f -> b.append(JobText.file(f, false)).append('\n'));
		return b.toString().stripTrailing();
	}

	@Descriptor("a live table of every owner's jobs, redrawn in place until interrupted (Ctrl+C), like bitsadmin /monitor")
	public String monitor(@Descriptor("seconds between redraws (default 5)") @Parameter(names = { "--refresh", "-r" }, absentValue = "5") String refresh,
			@Descriptor("stop after this many redraws (default: never)") @Parameter(names = "--count", absentValue = "0") String count) {
		if (Usage.helped(this, "monitor", refresh, count)) {
			return null;
		}
		long millis = Math.round(Args.positive("refresh", refresh) * 1000);
		long times = Args.count("count", count);
		PrintStream out = System.out;
		for (long n = 1; times == 0 || n <= times; n++) {
			out.print(CLEAR + table(millis));
			out.flush();
			if (n == times) {
				return null;
			}
			try {
				Thread.sleep(millis);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return null;
			}
		}
		return null;
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}

	private String table(long refreshMillis) {
		List<TransferJob> jobs = manager.listJobs(JobScope.ALL_OWNERS);
		StringBuilder b = new StringBuilder();
		b.append(String.format("bits monitor  %s  %d job(s)  every %.1f s; Ctrl+C stops%n%n", LocalTime.now().truncatedTo(ChronoUnit.SECONDS),
				jobs.size(), refreshMillis / 1000.0));
		b.append(String.format("%-8s  %-24s  %-15s  %-10s  %21s  %7s  %s%n", "ID", "NAME", "STATE", "PRIORITY", "BYTES", "FILES", "OWNER"));
		for (TransferJob j : jobs) {
			var p = j.getProgress();
			String name = j.getDisplayName().length() > 24 ? j.getDisplayName().substring(0, 23) + "~" : j.getDisplayName();
			b.append(String.format("%-8s  %-24s  %-15s  %-10s  %21s  %7s  %s%n", j.getId().toString().substring(0, 8), name, j.getState(),
					j.getPriority(), Progress.bytes(p.bytesTransferred()) + " / " + (p.bytesTotal() < 0 ? "?" : Progress.bytes(p.bytesTotal())),
					p.filesTransferred() + "/" + p.filesTotal(), j.getOwner()));
		}
		return b.toString();
	}
}
