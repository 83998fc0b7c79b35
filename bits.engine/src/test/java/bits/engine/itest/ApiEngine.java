package bits.engine.itest;

import static bits.engine.itest.Engine.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;

import bits.api.TransferManager;

/**
 * The engine on a store of the test's own, so that a test can read the files the API writes there: its address and
 * its admin token (SPEC S1, S2).
 *
 * @param store the store directory
 * @param manager the engine's manager, as the test bundle sees it
 * @param api the API's base address, e.g. http://127.0.0.1:PORT/bits/api/v1
 * @param admin the admin token
 */
record ApiEngine(Path store, TransferManager manager, URI api, String admin) {
	/** (Re)configures the engine on the store {@code dir}/store and waits for its API. */
	static ApiEngine start(Path dir) throws Exception {
		return start(dir, Map.of());
	}

	/** As {@link #start(Path)}, with some of the engine's properties overridden. */
	static ApiEngine start(Path dir, Map<String, Object> overrides) throws Exception {
		Path store = Files.createDirectories(dir.resolve("store"));
		Map<String, Object> config = new java.util.HashMap<>(overrides);
		config.put("store.directory", store.toString());
		return at(store, Engine.configured(config));
	}

	/** The API of the engine as it is configured now, on its default store: the engine bundle's data area. */
	static ApiEngine onDefaultStore(TransferManager manager) throws Exception {
		return at(Engine.bundle().getDataFile("store").toPath(), manager);
	}

	private static ApiEngine at(Path store, TransferManager manager) throws Exception {
		Path address = store.resolve("api-address");
		await("the API's address in " + address, () -> Files.isRegularFile(address));
		String admin = Files.readAllLines(store.resolve("api-tokens")).stream().filter(l -> l.endsWith(" *")).findFirst().orElseThrow().split(" ")[0];
		return new ApiEngine(store, manager, URI.create(Files.readString(address).trim()), admin);
	}

	/** @return a new token acting as {@code owner} (bits:apitoken) */
	String token(String owner) throws Exception {
		return command("bits:apitoken " + owner);
	}

	/** Runs a Gogo command; @return what it returned, as text */
	static String command(String line) throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ApiEngine.class).getBundleContext();
		await("the Gogo command processor", () -> context.getServiceReference(CommandProcessor.class) != null);
		CommandProcessor processor = context.getService(context.getServiceReference(CommandProcessor.class));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(out, true))) {
			Object[] result = new Object[1];
			await("the command " + line, () -> {
				try {
					result[0] = session.execute(line);
					return true;
				} catch (Exception e) { // the command may not be registered yet after the engine's restart
					return false;
				}
			});
			return String.valueOf(result[0]).trim();
		}
	}

	/**
	 * Runs a {@code bits:} command line once its function is registered, as the console does; @return what the command
	 * returned; what the command throws is thrown
	 */
	static Object execute(String line) throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ApiEngine.class).getBundleContext();
		String function = line.split(" ", 2)[0].replaceFirst("^bits:", "");
		await("the command bits:" + function, () -> context.getServiceReference(CommandProcessor.class) != null && registered(context, function));
		CommandProcessor processor = context.getService(context.getServiceReference(CommandProcessor.class));
		try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), System.out, System.err)) {
			return session.execute(line);
		}
	}

	private static boolean registered(BundleContext context, String function) {
		try {
			return context.getServiceReferences((String) null, "(&(osgi.command.scope=bits)(osgi.command.function=" + function + "))") != null;
		} catch (InvalidSyntaxException e) {
			throw new IllegalArgumentException(e);
		}
	}

	/**
	 * A client of its own for each request, as ./bits has (one process, one request): a pooled connection that the server
	 * closed while it sat idle (Jetty's idle timeout, between test classes) would fail the next request with "header
	 * parser received no bytes", which says nothing about the API.
	 */
	static HttpClient client() {
		return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
	}
}
