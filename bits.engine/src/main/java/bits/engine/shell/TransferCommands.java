package bits.engine.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.FileSpec;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** The Gogo command {@code transfer} (bitsadmin /transfer): a job created, waited for with progress, completed. */
@Component(service = TransferCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=transfer" })
public class TransferCommands {
	@Reference
	private TransferManager manager;

	private BundleContext context;

	@Activate
	void activate(BundleContext context) {
		this.context = context;
	}

	@Descriptor("download files in a new job and wait, showing progress: complete it when transferred, cancel it on a fatal error; "
			+ "transient errors are retried (bitsadmin /transfer). NAME may be left out when the arguments are URL DEST pairs. With --upload,"
			+ " one local file goes to URL (the BITS upload protocol; the file under file.roots), with --user's Basic credentials if given")
	public String transfer(CommandSession session, @Descriptor("FOREGROUND (default), HIGH, NORMAL or LOW") @Parameter(names = { "--priority", "-p" }, absentValue = "FOREGROUND") String priority,
			@Descriptor("print one JSON document instead of text") @Parameter(names = "--json", presentValue = "true", absentValue = "false") String jsonFlag,
			@Descriptor("upload: [NAME] URL LOCAL, one file") @Parameter(names = "--upload", presentValue = "true", absentValue = "false") String uploadFlag,
			@Descriptor("the server's user name (Basic)") @Parameter(names = "--user", absentValue = "") String user,
			@Descriptor("a file whose first line is the password") @Parameter(names = "--password-file", absentValue = "") String passwordFile,
			@Descriptor("an environment variable of the engine process holding the password") @Parameter(names = "--password-env", absentValue = "") String passwordEnv,
			@Descriptor("send the credentials over plain http too, where anyone on the path can read them")
			@Parameter(names = "--allow-http", presentValue = "true", absentValue = "false") String allowHttp,
			@Descriptor("[NAME] URL DEST [URL DEST ...], or with --upload [NAME] URL LOCAL") String... args) throws InterruptedException, IOException {
		if (Usage.helped(session, this, "transfer", priority, jsonFlag, uploadFlag, user, passwordFile, passwordEnv, allowHttp, args)) {
			return null;
		}
		boolean upload = Boolean.parseBoolean(uploadFlag);
		if (upload && args.length != 2 && args.length != 3) {
			throw Args.invalid("--upload takes [NAME] URL LOCAL: one file, got " + args.length + " argument(s)");
		}
		Credentials credentials = user.isEmpty() ? null
				: new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, user, PropertyCommands.password(session, passwordFile, passwordEnv));
		boolean json = Boolean.parseBoolean(jsonFlag);
		boolean terminal = Progress.terminal(session, context);
		JobPriority p = Args.value(JobPriority.class, "priority", priority);
		int first = args.length % 2; // NAME present when the count is odd
		if (args.length < 2) {
			throw Args.invalid("expected [NAME] URL DEST [URL DEST ...], got " + args.length + " argument(s)");
		}
		List<FileSpec> specs = new ArrayList<>();
		for (int i = first; i < args.length; i += 2) {
			specs.add(new FileSpec(Args.uri(args[i]), Args.path(args[i + 1])));
		}
		String name = first == 1 ? args[0] : (upload ? "upload " : "transfer ") + specs.get(0).local().getFileName();
		TransferJob job = manager.createJob(name, upload ? JobType.UPLOAD : JobType.DOWNLOAD, j -> { // one durable call: bad input creates nothing
			j.setPriority(p);
			j.addFiles(specs);
			if (credentials != null) {
				j.setCredentials(credentials);
				j.setPlainHttpAuthenticationAllowed(Boolean.parseBoolean(allowHttp));
			}
			j.resume();
		});
		long start = System.nanoTime();
		try {
			Progress.awaitSettled(List.of(job), json ? null : System.err, terminal);
		} catch (InterruptedException e) {
			job.cancel();
			throw e;
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		JobState state = job.getState();
		if (state == JobState.TRANSFERRED) {
			job.complete();
		}
		String document = json ? JobJson.document(w -> {
			w.writeStartObject();
			w.writeStringField("result", state.name());
			w.writeNumberField("seconds", seconds);
			w.writeFieldName("job");
			JobJson.job(w, job, true, false);
			w.writeEndObject();
		}) : null;
		if (state != JobState.TRANSFERRED) {
			String error = job.getError().map(e -> ": " + e).orElse("");
			int code = job.getError().map(e -> e.code()).orElse(ErrorCodes.BG_E_INVALID_STATE);
			if (state == JobState.ERROR) {
				job.cancel(); // a fatal error: bitsadmin /transfer cancels the job too
			}
			if (document != null) {
				System.out.println(document);
			}
			throw new TransferException(code, "'" + name + "' is " + state + error + (state == JobState.ERROR ? "; the job was cancelled" : ""));
		}
		if (document != null) {
			return document;
		}
		long bytes = job.getProgress().bytesTransferred();
		if (upload) {
			return String.format("uploaded %s in %.1f s (%s/s): %s", Progress.bytes(bytes), seconds, Progress.bytes((long) (bytes / Math.max(seconds, 1e-3))),
					specs.get(0).remote());
		}
		return String.format("transferred %d file(s), %s in %.1f s (%s/s): %s", specs.size(), Progress.bytes(bytes), seconds,
				Progress.bytes((long) (bytes / Math.max(seconds, 1e-3))), String.join(" ", specs.stream().map(s -> s.local().toString()).toList()));
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
