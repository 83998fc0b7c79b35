package bits.engine.shell;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.ErrorCodes;
import bits.api.FileProgress;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo commands for the server's reply to an upload-reply job (SPEC U2), as bitsadmin's /GETREPLYFILENAME,
 * /SETREPLYFILENAME, /GETREPLYDATA and /GETREPLYPROGRESS.
 */
@Component(service = ReplyCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=getreplyfilename",
		"osgi.command.function=setreplyfilename", "osgi.command.function=getreplydata", "osgi.command.function=getreplyprogress" })
public class ReplyCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("print where complete() puts an upload-reply job's reply (bitsadmin /getreplyfilename)")
	public String getreplyfilename(@Descriptor("job") String job) {
		if (Usage.helped(this, "getreplyfilename", job)) {
			return null;
		}
		return replyJob(job).getReplyFileName().orElseThrow().toString();
	}

	@Descriptor("set where complete() puts an upload-reply job's reply, until it is TRANSFERRED (bitsadmin /setreplyfilename)")
	public String setreplyfilename(@Descriptor("job") String job, @Descriptor("reply file") String file) {
		if (!Usage.helped(this, "setreplyfilename", job, file)) {
			JobRefs.resolve(manager, job).setReplyFileName(Args.path(file));
		}
		return null;
	}

	@Descriptor("print the server's reply to an upload-reply job once it is whole, up to 1 MiB: in hexadecimal as bitsadmin /getreplydata, or as UTF-8 text")
	public String getreplydata(@Descriptor("the reply as UTF-8 text") @Parameter(names = "--text", presentValue = "true", absentValue = "false") String text,
			@Descriptor("job") String job) {
		if (Usage.helped(this, "getreplydata", text, job)) {
			return null;
		}
		byte[] reply = JobRefs.resolve(manager, job).getReplyData();
		return Boolean.parseBoolean(text) ? new String(reply, StandardCharsets.UTF_8) : HexFormat.of().formatHex(reply);
	}

	@Descriptor("print the size of an upload-reply job's reply and the bytes received: 'RECEIVED of TOTAL' (TOTAL -1 while unknown), and 'whole' once it is (bitsadmin /getreplyprogress)")
	public String getreplyprogress(@Descriptor("job") String job) {
		if (Usage.helped(this, "getreplyprogress", job)) {
			return null;
		}
		FileProgress p = replyJob(job).getReplyProgress();
		return p.bytesTransferred() + " of " + p.bytesTotal() + (p.completed() ? " whole" : "");
	}

	/** @return the upload-reply job {@code job} names; another job is a bad argument: it has no reply */
	private TransferJob replyJob(String job) {
		TransferJob j = JobRefs.resolve(manager, job);
		if (j.getType() != JobType.UPLOAD_REPLY) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "job " + job + " is not an upload-reply job: it has no reply");
		}
		return j;
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
