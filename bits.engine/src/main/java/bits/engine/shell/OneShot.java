package bits.engine.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import bits.api.TransferException;
import bits.api.TransferManager;
import bits.engine.store.StoreException;

/**
 * Runs one shell command and stops the framework: what {@code ./bits COMMAND ARGS} does. The command comes from the
 * framework (or system) property {@value #COMMAND}, else from the environment variable {@value #COMMAND_ENV} (what
 * ./bits uses: a JVM's arguments are in every user's process list); its output goes to the process's stdout, its exit
 * status (0, or 1 with a one-line error on stderr) to the file named by {@value #EXIT_FILE}, since the launcher's own
 * exit code only says the framework stopped. {@link OneShotStreams} sends everything else printed to stderr.
 */
@Component(immediate = true, service = {})
public class OneShot {
	/** The command line to run, e.g. {@code bits:info nightly}. */
	public static final String COMMAND = "bits.command";
	/** The environment variable with the command line, when the property is not set. */
	public static final String COMMAND_ENV = "BITS_COMMAND";
	/** Where the exit status goes. */
	public static final String EXIT_FILE = "bits.exit.file";
	/**
	 * Whether the command line's stderr is a terminal (progress bars then), "true" or "false": the framework property the
	 * {@code ./bits} wrapper sets for an engine it starts, and the session variable a command line attached to a
	 * running engine sets for its own commands, which wins over the property.
	 */
	public static final String TERMINAL = "bits.terminal";

	@Reference
	private CommandProcessor processor;

	@Reference
	private ServiceComponentRuntime scr;

	// the bits: commands must be registered before the command runs; these references order it. They are references
	// only, so that a command whose engine failed to start (a store in use) is reported rather than never run.
	@Reference
	private ServiceReference<JobCommands> jobs;
	@Reference
	private ServiceReference<PropertyCommands> properties;
	@Reference
	private ServiceReference<HandlerCommands> handlers;
	@Reference
	private ServiceReference<ViewCommands> views;
	@Reference
	private ServiceReference<TransferCommands> transfers;
	@Reference
	private ServiceReference<WaitCommand> waits;
	@Reference
	private ServiceReference<ReplyCommands> replies;

	@Activate
	void activate(BundleContext context) {
		String command = OneShotStreams.command(context);
		if (command == null) {
			return;
		}
		String exitFile = context.getProperty(EXIT_FILE);
		Thread t = new Thread(() -> {
			// the launcher must have started every bundle (it then registers a service with launcher.ready=true):
			// stopping the framework half-way through its start fails the rest and leaves noise on the console
			for (int i = 0; i < 3000 && !launched(context); i++) {
				try {
					Thread.sleep(20);
				} catch (InterruptedException e) {
					return;
				}
			}
			String failure = engineFailure(context);
			int status = failure == null ? run(command) : 1;
			if (failure != null) {
				System.err.println("bits: the engine did not start: " + failure);
			}
			try {
				if (exitFile != null) {
					Files.writeString(Path.of(exitFile), Integer.toString(status));
				}
				context.getBundle(0).stop();
			} catch (IOException | BundleException | IllegalStateException e) {
				System.err.println("bits: " + e.getMessage());
			}
		}, "bits-one-shot");
		t.start(); // not on SCR's thread: the command may wait for a job
	}

	private static boolean launched(BundleContext context) {
		try {
			return context.getServiceReferences((String) null, "(launcher.ready=true)") != null;
		} catch (org.osgi.framework.InvalidSyntaxException e) {
			throw new IllegalStateException(e);
		}
	}

	/** Why the manager service gives no object (say, the store is in use), or null when it works. */
	private String engineFailure(BundleContext context) {
		ServiceReference<TransferManager> ref = context.getServiceReference(TransferManager.class);
		if (ref != null && context.getService(ref) != null) {
			context.ungetService(ref);
			return null;
		}
		for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(context.getBundle())) {
			for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
				if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION && c.failure != null) {
					return rootCause(c.failure);
				}
			}
		}
		return "the manager service is missing (see the log)";
	}

	/**
	 * The message of the innermost cause in a stack trace's text; but the store's own message where there is one, since
	 * it names the store and says what is wrong with it (its causes only say what the driver saw).
	 */
	private static String rootCause(String trace) {
		String line = trace.lines().findFirst().orElse(trace);
		String store = line.startsWith(StoreException.class.getName() + ": ") ? line : null;
		for (String l : trace.lines().toList()) {
			if (store == null && l.startsWith("Caused by: ")) {
				line = l.substring("Caused by: ".length());
				if (line.startsWith(StoreException.class.getName() + ": ")) {
					store = line;
				}
			}
		}
		line = store != null ? store : line;
		int colon = line.indexOf(": ");
		return colon > 0 && !line.substring(0, colon).contains(" ") ? line.substring(colon + 2) : line;
	}

	private int run(String command) {
		// the process's own descriptor 1, the caller's stdout itself (appending where the caller appends); System.out is
		// Gogo's per-thread stream, which would print into itself, and defaults to stderr here (OneShotStreams)
		PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
		PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
		try (CommandSession session = processor.createSession(System.in, out, err)) {
			return execute(session, command, out, err);
		}
	}

	/**
	 * Runs one command line in a session as {@code ./bits NAME ARGS} does, also for a command line attached to a running
	 * engine (the REST API's shell resource): the result, formatted, goes to {@code out}; a failure is one line
	 * {@code bits: MESSAGE} on {@code err}.
	 *
	 * @return the exit status: 0, or 1 when the command failed
	 */
	public static int execute(CommandSession session, String command, PrintStream out, PrintStream err) {
		try {
			Object result = session.execute(command);
			if (result != null) {
				out.println(session.format(result, Converter.INSPECT));
			}
			out.flush();
			return 0;
		} catch (Exception e) {
			out.flush();
			err.println("bits: " + message(e));
			err.flush();
			return 1;
		}
	}

	/** The message of what a command threw, past the reflection wrapper Gogo may leave around it. */
	static String message(Throwable e) {
		Throwable cause = e;
		while (cause instanceof java.lang.reflect.InvocationTargetException && cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause instanceof TransferException || cause.getMessage() != null ? cause.getMessage() : cause.toString();
	}
}
