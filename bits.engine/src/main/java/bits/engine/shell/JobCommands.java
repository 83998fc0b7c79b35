package bits.engine.shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo commands in scope {@code bits}, mirroring {@code bitsadmin} (SPEC §5). They use only the public manager
 * service, like any other client; JOB is a job id, a unique id prefix or a unique display name.
 */
@Component(service = JobCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=create",
		"osgi.command.function=addfile", "osgi.command.function=addfileset", "osgi.command.function=resume", "osgi.command.function=suspend",
		"osgi.command.function=cancel", "osgi.command.function=complete", "osgi.command.function=setpriority",
		"osgi.command.function=watch" })
public class JobCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("create a job (SUSPENDED); prints its id")
	public String create(@Descriptor("FOREGROUND, HIGH, NORMAL (default) or LOW") @Parameter(names = { "--priority", "-p" }, absentValue = "NORMAL") String priority,
			@Descriptor("DOWNLOAD (default); upload types are not supported in this release") @Parameter(names = { "--type", "-t" }, absentValue = "DOWNLOAD") String type,
			@Descriptor("display name") String name) {
		JobPriority p = Args.value(JobPriority.class, "priority", priority); // both checked before anything is created
		TransferJob job = manager.createJob(name, Args.value(JobType.class, "job type", type));
		if (p != JobPriority.NORMAL) {
			job.setPriority(p);
		}
		return job.getId().toString();
	}

	@Descriptor("add a file to a job")
	public void addfile(@Descriptor("job") String job, @Descriptor("remote URL") String url, @Descriptor("local path") String local) {
		JobRefs.resolve(manager, job).addFile(Args.uri(url), Args.path(local));
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
			specs.add(new FileSpec(Args.uri(parts[0]), Args.path(parts[1])));
		}
		JobRefs.resolve(manager, job).addFiles(specs);
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
		JobRefs.resolve(manager, job).setPriority(Args.value(JobPriority.class, "priority", priority));
	}

	@Descriptor("set a live callback on a job that prints every notification it receives (flags: all)")
	public void watch(CommandSession session, @Descriptor("job") String job) {
		TransferJob j = JobRefs.resolve(manager, job);
		j.setNotifyFlags(java.util.EnumSet.of(bits.api.NotifyFlag.JOB_TRANSFERRED, bits.api.NotifyFlag.JOB_ERROR,
				bits.api.NotifyFlag.FILE_TRANSFERRED, bits.api.NotifyFlag.JOB_MODIFICATION));
		j.setNotifyCallback(new ConsoleCallback(session.getConsole())); // the session's console: callbacks run on engine threads
	}
}
