package bits.engine.shell;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * The engine bundle's activator: in a one-shot run ({@code ./bits NAME ARGS}) stdout carries nothing but the command's
 * output, which {@link OneShot} writes to descriptor 1 itself, so {@code System.out} is pointed at stderr for everyone
 * else (bundles, the framework, EventAdmin while the framework stops). It must happen here, before Gogo's runtime
 * starts (after the engine, in the distribution's start order): Gogo keeps the System.out it finds as the default of
 * its per-thread stream and puts that back whenever a session runs a command.
 */
public class OneShotStreams implements BundleActivator {
	@Override
	public void start(BundleContext context) {
		if (command(context) != null) {
			System.setOut(System.err);
		}
	}

	/** The one-shot command line, or null when this is no one-shot run. Here, not in OneShot: no Gogo class is loaded. */
	static String command(BundleContext context) {
		String command = context.getProperty(OneShot.COMMAND);
		if (command == null) {
			command = System.getenv(OneShot.COMMAND_ENV);
		}
		return command == null || command.isBlank() ? null : command;
	}

	@Override
	public void stop(BundleContext context) {
		// stdout stays on stderr until the process ends: the framework is stopping
	}
}
