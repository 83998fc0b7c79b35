package bits.engine.shell;

import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.TransferException;
import bits.api.TransferFile;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo commands in scope {@code bits}, mirroring {@code bitsadmin} (SPEC §5). They use only the public manager
 * service, like any other client; JOB is a job id, a unique id prefix or a unique display name.
 */
@Component(service = JobCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=create",
		"osgi.command.function=addfile", "osgi.command.function=addfileset", "osgi.command.function=resume", "osgi.command.function=suspend",
		"osgi.command.function=cancel", "osgi.command.function=complete", "osgi.command.function=info",
		"osgi.command.function=list", "osgi.command.function=setpriority", "osgi.command.function=wait",
		"osgi.command.function=watch" })
public class JobCommands {
	@Reference
	private TransferManager manager;

	private final PrintStream out = System.out;

	@Descriptor("create a download job (SUSPENDED); prints its id")
	public String create(@Descriptor("display name") String name) {
		return manager.createJob(name).getId().toString();
	}

	@Descriptor("add a file to a job")
	public void addfile(@Descriptor("job") String job, @Descriptor("remote URL") String url, @Descriptor("local path") String local) {
		JobRefs.resolve(manager, job).addFile(uri(url), path(local));
	}

	@Descriptor("add the files listed in a file, one 'URL LOCALPATH' per line, all or none (bitsadmin /addfileset)")
	public void addfileset(@Descriptor("job") String job, @Descriptor("list file") String list) throws java.io.IOException {
		List<FileSpec> specs = new ArrayList<>();
		int n = 0;
		for (String line : Files.readAllLines(Path.of(list))) {
			n++;
			String[] parts = line.trim().split("\\s+");
			if (parts.length == 1 && parts[0].isEmpty()) {
				continue;
			}
			if (parts.length != 2) {
				throw new TransferException(ErrorCodes.E_INVALIDARG, list + " line " + n + ": expected 'URL LOCALPATH', got '" + line + "'");
			}
			specs.add(new FileSpec(uri(parts[0]), path(parts[1])));
		}
		JobRefs.resolve(manager, job).addFiles(specs);
	}

	private static URI uri(String url) {
		try {
			return new URI(url);
		} catch (URISyntaxException e) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "remote URL '" + url + "' is malformed: " + e.getReason());
		}
	}

	private static Path path(String local) {
		try {
			return Path.of(local);
		} catch (InvalidPathException e) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "local path '" + local + "' is malformed: " + e.getReason());
		}
	}

	@Descriptor("queue a job, or retry it after an error")
	public void resume(@Descriptor("job") String job) {
		JobRefs.resolve(manager, job).resume();
	}

	@Descriptor("suspend a job")
	public void suspend(@Descriptor("job") String job) {
		JobRefs.resolve(manager, job).suspend();
	}

	@Descriptor("cancel a job, deleting its temporary files")
	public void cancel(@Descriptor("job") String job) {
		JobRefs.resolve(manager, job).cancel();
	}

	@Descriptor("complete a job: its transferred files appear at their destinations")
	public String complete(@Descriptor("job") String job) {
		return JobRefs.resolve(manager, job).complete().toString();
	}

	@Descriptor("set a job's priority: FOREGROUND, HIGH, NORMAL or LOW")
	public void setpriority(@Descriptor("job") String job, @Descriptor("priority") String priority) {
		JobPriority p;
		try {
			p = JobPriority.valueOf(priority.toUpperCase(Locale.ROOT));
		} catch (IllegalArgumentException e) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "priority '" + priority + "' is not one of FOREGROUND, HIGH, NORMAL, LOW");
		}
		JobRefs.resolve(manager, job).setPriority(p);
	}

	@Descriptor("show a job")
	public void info(@Descriptor("job") String job) {
		out.println(Describe.job(JobRefs.resolve(manager, job)));
	}

	@Descriptor("list the jobs of every owner")
	public void list() {
		for (TransferJob j : manager.listJobs(JobScope.ALL_OWNERS)) {
			out.println(Describe.line(j));
		}
	}

	@Descriptor("set a live callback on a job that prints every notification it receives (flags: all)")
	public void watch(@Descriptor("job") String job) {
		TransferJob j = JobRefs.resolve(manager, job);
		j.setNotifyFlags(java.util.EnumSet.of(bits.api.NotifyFlag.JOB_TRANSFERRED, bits.api.NotifyFlag.JOB_ERROR,
				bits.api.NotifyFlag.FILE_TRANSFERRED, bits.api.NotifyFlag.JOB_MODIFICATION));
		j.setNotifyCallback(new ConsoleCallback(out));
	}

	@Descriptor("wait until the jobs (or --all) are TRANSFERRED, in ERROR or final; prints each state; fails unless all were transferred")
	public String wait(@Descriptor("jobs, or --all") String... refs) throws InterruptedException {
		List<TransferJob> jobs = new ArrayList<>();
		if (refs.length == 1 && refs[0].equals("--all")) {
			jobs.addAll(manager.listJobs(JobScope.ALL_OWNERS));
		} else if (refs.length == 0) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "no job named: give job ids, id prefixes or display names, or --all");
		} else {
			for (String ref : refs) {
				jobs.add(JobRefs.resolve(manager, ref));
			}
		}
		StringBuilder states = new StringBuilder();
		List<String> failed = new ArrayList<>();
		int code = ErrorCodes.BG_E_INVALID_STATE; // a job cancelled or acknowledged elsewhere; else the first error's code
		for (TransferJob j : jobs) {
			JobState s;
			while (!((s = j.getState()) == JobState.TRANSFERRED || s == JobState.ERROR || s.isFinal())) {
				Thread.sleep(100);
			}
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

	/** Text forms of jobs and files. */
	static final class Describe {
		private Describe() {
		}

		static String line(TransferJob j) {
			var p = j.getProgress();
			return j.getId() + " " + j.getState() + " " + j.getPriority() + " " + p.bytesTransferred() + "/"
					+ (p.bytesTotal() < 0 ? "?" : p.bytesTotal()) + " " + p.filesTransferred() + "/" + p.filesTotal() + " \""
					+ j.getDisplayName() + "\" " + j.getOwner();
		}

		static String job(TransferJob j) {
			StringBuilder b = new StringBuilder(line(j)).append('\n');
			var t = j.getTimes();
			b.append("  created ").append(t.creation()).append(", modified ").append(t.modification());
			t.transferred().ifPresent(at -> b.append(", transferred ").append(at).append(" (")
					.append(java.time.Duration.between(t.creation(), at).toMillis()).append(" ms after creation)"));
			b.append('\n');
			j.getError().ifPresent(e -> b.append("  error: ").append(e).append('\n'));
			j.getHandlerId().ifPresent(h -> b.append("  handler: ").append(h).append('\n'));
			j.getNotificationError().ifPresent(e -> b.append("  notification error: ").append(e).append('\n'));
			for (TransferFile f : j.getFiles()) {
				b.append("  ").append(f.getIndex()).append(' ').append(f.getRemoteUri()).append(" -> ").append(f.getLocalPath())
						.append(' ').append(f.getProgress().bytesTransferred()).append('/').append(f.getProgress().bytesTotal())
						.append(f.getProgress().completed() ? " done" : "").append('\n');
			}
			return b.toString().stripTrailing();
		}
	}
}
