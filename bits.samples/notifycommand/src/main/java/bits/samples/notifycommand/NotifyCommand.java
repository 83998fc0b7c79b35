package bits.samples.notifycommand;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import bits.api.BitsHandler;
import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * BITS's {@code SetNotifyCmdLine} as a handler: runs a configured program when a job is transferred or fails. Its
 * exit code 0 acknowledges the notification; anything else (or a timeout) means "call again later". The program gets
 * the job as arguments and environment: {@code %JOB%}, {@code %STATE%} and {@code %NAME%} in the arguments are
 * replaced, and {@code BITS_JOB_ID}, {@code BITS_JOB_STATE}, {@code BITS_JOB_NAME} are set. It does not complete the
 * job: the program may, e.g. with {@code ./bits complete %JOB%} against a store the engine does not hold.
 */
@Component(service = TransferCallback.class, configurationPid = NotifyCommand.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = NotifyCommand.Config.class)
@BitsHandler(NotifyCommand.ID)
public class NotifyCommand implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.notifycommand";
	/** Its configuration. */
	public static final String PID = "bits.samples.notifycommand";

	@ObjectClassDefinition(id = PID, name = "bits notify command", description = "The program a job's notification runs")
	public @interface Config {
		@AttributeDefinition(description = "The program and its arguments; %JOB%, %STATE%, %NAME% are replaced")
		String[] command();

		@AttributeDefinition(description = "How long the program may run (s)")
		long timeout_s() default 60;
	}

	@Reference(service = LoggerFactory.class)
	private Logger log;

	private volatile Config config;

	@Activate
	@Modified
	void configure(Config config) {
		this.config = config;
	}

	@Override
	public void jobTransferred(TransferJob job) throws Exception {
		run(job);
	}

	@Override
	public void jobError(TransferJob job, JobError error) throws Exception {
		run(job);
	}

	private void run(TransferJob job) throws Exception {
		Config c = config;
		List<String> command = new ArrayList<>();
		for (String arg : c.command()) {
			command.add(arg.replace("%JOB%", job.getId().toString()).replace("%STATE%", job.getState().name())
					.replace("%NAME%", job.getDisplayName()));
		}
		if (command.isEmpty()) {
			throw new IllegalStateException("no command configured in " + PID);
		}
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.redirectInput(new File("/dev/null"));
		pb.environment().put("BITS_JOB_ID", job.getId().toString());
		pb.environment().put("BITS_JOB_STATE", job.getState().name());
		pb.environment().put("BITS_JOB_NAME", job.getDisplayName());
		Process p = pb.start();
		if (!p.waitFor(c.timeout_s(), TimeUnit.SECONDS)) {
			p.destroyForcibly();
			throw new IllegalStateException(command + " ran longer than " + c.timeout_s() + " s");
		}
		if (p.exitValue() != 0) {
			throw new IllegalStateException(command + " exited with " + p.exitValue() + ": not acknowledged");
		}
		log.info("job {}: {} acknowledged the notification", job.getId(), command);
	}
}
