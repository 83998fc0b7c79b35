package bits.engine.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.EnumSet;
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
import bits.api.NotifyFlag;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.api.UploadProtocol;

/**
 * Gogo commands in scope {@code bits}, mirroring {@code bitsadmin} (SPEC §5). They use only the public manager
 * service, like any other client; JOB is a job id, a unique id prefix or a unique display name. Each method asks
 * {@link Usage#helped} first, which prints the help for {@code --help}; a method returns text to print, or null.
 */
@Component(service = JobCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=create",
		"osgi.command.function=addfile", "osgi.command.function=addfileset", "osgi.command.function=resume", "osgi.command.function=suspend",
		"osgi.command.function=cancel", "osgi.command.function=complete", "osgi.command.function=setpriority", "osgi.command.function=setuploadprotocol",
		"osgi.command.function=watch" })
public class JobCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("create a job (SUSPENDED); prints its id")
	public String create(@Descriptor("FOREGROUND, HIGH, NORMAL (default) or LOW") @Parameter(names = { "--priority", "-p" }, absentValue = "NORMAL") String priority,
			@Descriptor("DOWNLOAD (default), UPLOAD or UPLOAD_REPLY (one file: bits:addfile JOB URL LOCAL, the local file is read)") @Parameter(names = { "--type", "-t" }, absentValue = "DOWNLOAD") String type,
			@Descriptor("display name") String name) {
		if (Usage.helped(this, "create", priority, type, name)) {
			return null;
		}
		JobPriority p = Args.value(JobPriority.class, "priority", priority); // both checked before anything is created
		TransferJob job = manager.createJob(name, Args.value(JobType.class, "job type", type));
		if (p != JobPriority.NORMAL) {
			job.setPriority(p);
		}
		return job.getId().toString();
	}

	@Descriptor("add a file to a job")
	public String addfile(@Descriptor("job") String job, @Descriptor("remote URL") String url, @Descriptor("local path") String local) {
		if (!Usage.helped(this, "addfile", job, url, local)) {
			JobRefs.resolve(manager, job).addFile(Args.uri(url), Args.path(local));
		}
		return null;
	}

	@Descriptor("add the files listed in a file, one 'URL LOCALPATH' per line, all or none (bitsadmin /addfileset)")
	public String addfileset(@Descriptor("job") String job, @Descriptor("list file") String list) {
		if (Usage.helped(this, "addfileset", job, list)) {
			return null;
		}
		List<FileSpec> specs = new ArrayList<>();
		int n = 0;
		for (String line : lines(list)) {
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
		return null;
	}

	/** The list file's lines; a file that is missing or unreadable is a bad argument, named, not an IOException. */
	private static List<String> lines(String list) {
		try {
			return Files.readAllLines(Args.path(list));
		} catch (NoSuchFileException e) {
			throw Args.invalid("list file '" + list + "' does not exist");
		} catch (IOException e) {
			throw Args.invalid("list file '" + list + "' cannot be read: " + e);
		}
	}

	@Descriptor("queue a job, or retry it after an error")
	public String resume(@Descriptor("job") String job) {
		if (!Usage.helped(this, "resume", job)) {
			JobRefs.resolve(manager, job).resume();
		}
		return null;
	}

	@Descriptor("suspend a job")
	public String suspend(@Descriptor("job") String job) {
		if (!Usage.helped(this, "suspend", job)) {
			JobRefs.resolve(manager, job).suspend();
		}
		return null;
	}

	@Descriptor("cancel a job, deleting its temporary files")
	public String cancel(@Descriptor("job") String job) {
		if (!Usage.helped(this, "cancel", job)) {
			JobRefs.resolve(manager, job).cancel();
		}
		return null;
	}

	@Descriptor("complete a job: its transferred files appear at their destinations")
	public String complete(@Descriptor("job") String job) {
		return Usage.helped(this, "complete", job) ? null : JobRefs.resolve(manager, job).complete().toString();
	}

	@Descriptor("set how an upload job speaks to its server: BITS (the default), TUS, or DISCOVER (OPTIONS: tus if the server says so)")
	public String setuploadprotocol(@Descriptor("job") String job, @Descriptor("protocol") String protocol) {
		if (!Usage.helped(this, "setuploadprotocol", job, protocol)) {
			JobRefs.resolve(manager, job).setUploadProtocol(Args.value(UploadProtocol.class, "upload protocol", protocol));
		}
		return null;
	}

	@Descriptor("set a job's priority: FOREGROUND, HIGH, NORMAL or LOW")
	public String setpriority(@Descriptor("job") String job, @Descriptor("priority") String priority) {
		if (!Usage.helped(this, "setpriority", job, priority)) {
			JobRefs.resolve(manager, job).setPriority(Args.value(JobPriority.class, "priority", priority));
		}
		return null;
	}

	@Descriptor("set a live callback on a job that prints every notification it receives (flags: all)")
	public String watch(CommandSession session, @Descriptor("job") String job) {
		if (Usage.helped(session, this, "watch", job)) {
			return null;
		}
		TransferJob j = JobRefs.resolve(manager, job);
		j.setNotifyFlags(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_ERROR, NotifyFlag.FILE_TRANSFERRED, NotifyFlag.JOB_MODIFICATION));
		j.setNotifyCallback(new ConsoleCallback(session.getConsole())); // the session's console: callbacks run on engine threads
		return null;
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
