package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import bits.api.ErrorCodes;
import bits.api.JobScope;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo hygiene of every {@code bits:} function, read from the registered services so that a new command is covered
 * (SPEC §5: {@code help bits:NAME}, {@code --help} and {@code -h} print help and never run the command; bad input gets a
 * clear error and changes nothing). Felix and Equinox run the same Gogo runtime; Karaf's {@code help bits:NAME} runs
 * {@code bits:NAME --help}.
 */
@Timeout(120) // a command that ran instead of printing help could wait for a suspended job
class ShellHygieneIT {
	@TempDir
	Path tmp;
	private BundleContext context;
	private TransferManager manager;
	private CommandSession session;
	private ByteArrayOutputStream out;

	@BeforeEach
	void openSession() throws Exception {
		context = FrameworkUtil.getBundle(ShellHygieneIT.class).getBundleContext();
		manager = Engine.configured();
		Engine.await("the bits: commands", () -> context.getServiceReference(CommandProcessor.class) != null && functions().size() >= 35); // every bits: function the engine registers
		CommandProcessor processor = context.getService(context.getServiceReference(CommandProcessor.class));
		out = new ByteArrayOutputStream();
		session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(out, true));
		session.execute("bits:create fixture"); // a job each command could change, were it run
	}

	@AfterEach
	void closeSession() {
		session.close();
		manager.listJobs(JobScope.ALL_OWNERS).forEach(TransferJob::cancel);
	}

	@Test
	void helpAndHPrintTheUsageAndNeverRunTheCommand() throws Exception {
		String before = store();
		for (String f : functions().keySet()) {
			for (String words : List.of("--help", "-h", "fixture --help", "fixture -h", "fixture fixture --help", "--help fixture")) {
				String help = printed("bits:" + f + " " + words);
				assertTrue(help.contains("usage: bits:" + f), "bits:" + f + " " + words + ": " + help);
				assertTrue(help.startsWith("bits:" + f + " - "), "the @Descriptor first: " + help);
				assertEquals(before, store(), "bits:" + f + " " + words + " changed nothing");
			}
		}
		String create = printed("bits:create --help");
		assertTrue(create.contains("\nusage: bits:create [options] <display name>\n"), create);
		assertTrue(create.matches("(?s).*\n  --priority, -p VALUE +FOREGROUND, HIGH, NORMAL \\(default\\) or LOW\n.*"), create);
		String list = printed("bits:list -h");
		assertTrue(list.contains("usage: bits:list [options]\n") && list.matches("(?s).*\n  --json +one JSON document.*"), list);
	}

	/**
	 * What a command printed, which must be all it gave: Karaf's {@code help NAME} runs {@code NAME --help} and shows
	 * only what was printed.
	 */
	private String printed(String command) throws Exception {
		out.reset();
		Object returned = session.execute(command);
		assertNull(returned, command + " returned a value instead of printing it");
		return out.toString(StandardCharsets.UTF_8);
	}

	@Test
	void felixHelpPrintsTheDescriptorsRunsNothingAndShowsNoFallback() throws Exception {
		String before = store();
		for (String f : functions().keySet()) {
			out.reset();
			Object returned = session.execute("help bits:" + f);
			String help = out.toString(StandardCharsets.UTF_8) + (returned == null ? "" : session.format(returned, 1));
			assertTrue(help.matches("(?s).*\\b" + f + " - \\w.{10,}"), "help bits:" + f + ": " + help);
			assertFalse(help.contains("_main"), help);
			assertEquals(before, store(), "help bits:" + f + " changed nothing");
		}
		out.reset();
		Object returned = session.execute("help");
		String all = out.toString(StandardCharsets.UTF_8) + (returned == null ? "" : session.format(returned, 1));
		assertTrue(all.contains("bits:create") && !all.contains("_main"), all);
		assertTrue(functions().keySet().stream().noneMatch(f -> f.contains("main")), functions().toString());
	}

	@Test
	void anUnknownOptionOrTooManyWordsGiveTheUsageNeverCannotCoerce() throws Exception {
		String before = store();
		for (var e : functions().entrySet()) {
			String f = e.getKey();
			assertUsage(f, "unknown option --bogus", "bits:" + f + " --bogus");
			assertUsage(f, "unknown option -q", "bits:" + f + " -q");
			if (methods(e.getValue(), f).stream().noneMatch(Method::isVarArgs)) { // a varargs command takes any number of words
				assertUsage(f, "wrong arguments (9 words)", "bits:" + f + " w1 w2 w3 w4 w5 w6 w7 w8 w9");
			}
			assertEquals(before, store(), "bits:" + f + " changed nothing");
		}
		assertUsage("create", "unknown option --bogus", "bits:create --bogus fixture");
		assertUsage("info", "unknown option --bogus", "bits:info fixture --bogus");
		assertUsage("create", "option --priority needs a value", "bits:create --priority");
		assertUsage("list", "wrong arguments (1 word)", "bits:list mine"); // was: Cannot coerce list(String) to any of [...]
		assertEquals(before, store());
	}

	@Test
	void aWrongCommandLineIsCountedNotEchoedForItMayHoldAPassword() throws Exception {
		String command = "bits:setcredentials --allow-http fixture SERVER BASIC user s3cret extra";
		TransferException e = assertThrows(TransferException.class, () -> session.execute(command), command);
		assertTrue(e.getMessage().contains("wrong arguments (7 words)"), e.getMessage());
		assertFalse(e.getMessage().contains("s3cret") || out.toString(StandardCharsets.UTF_8).contains("s3cret"), e.getMessage());
	}

	@Test
	void aNullArgumentOrAMissingFileIsNamedOnOneLine() throws Exception {
		String before = store();
		for (var e : functions().entrySet()) {
			String f = e.getKey();
			Method m = methods(e.getValue(), f).get(0); // the longest
			StringBuilder words = new StringBuilder();
			String first = null;
			for (java.lang.reflect.Parameter p : m.getParameters()) {
				Parameter option = p.getAnnotation(Parameter.class);
				if (p.getType() == CommandSession.class || option != null && !option.presentValue().equals(Parameter.UNSPECIFIED)) {
					continue; // the session; a flag, which has no value
				}
				words.append(option != null ? " " + option.names()[0] : "").append(" ${nosuchvar}");
				first = first != null ? first : option != null ? option.names()[0] : "<" + p.getAnnotation(Descriptor.class).value() + ">";
			}
			if (first == null) { // flags only: the null is a word too many
				assertUsage(f, "wrong arguments (1 word, one null: an unset variable?)", "bits:" + f + " ${nosuchvar}");
			} else {
				assertOneLine(f, "bits:" + f + ": " + first + " is missing (null", "bits:" + f + words);
			}
			assertEquals(before, store(), "bits:" + f + " changed nothing");
		}
		assertOneLine("setproxysettings", "bits:setproxysettings: <usage and lists> is missing (null", "bits:setproxysettings fixture NO_PROXY ${x}");
		assertOneLine("create", "bits:create: <display name> is missing (null", "bits:create ${x}");
		assertOneLine("addfileset", "list file '" + tmp.resolve("nope") + "' does not exist", "bits:addfileset fixture '" + tmp.resolve("nope") + "'");
		assertEquals(before, store());
	}

	/** Every bits: function and its command object. */
	private Map<String, Object> functions() {
		Map<String, Object> functions = new TreeMap<>();
		try {
			ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(osgi.command.scope=bits)");
			for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
				Object f = ref.getProperty("osgi.command.function");
				Object service = context.getService(ref);
				for (String name : f instanceof String[] a ? List.of(a) : List.of(String.valueOf(f))) {
					functions.put(name, service);
				}
			}
		} catch (InvalidSyntaxException e) {
			throw new IllegalStateException(e);
		}
		return functions;
	}

	/** The command's described methods (Felix's help shows these), the longest first. */
	private static List<Method> methods(Object command, String function) {
		List<Method> methods = new ArrayList<>(Arrays.stream(command.getClass().getMethods())
				.filter(m -> m.getName().equals(function) && m.isAnnotationPresent(Descriptor.class)).toList());
		methods.sort((a, b) -> b.getParameterCount() - a.getParameterCount());
		assertFalse(methods.isEmpty(), function);
		return methods;
	}

	/** What a command could change, for every job of every owner. */
	private String store() {
		return manager.listJobs(JobScope.ALL_OWNERS).stream().map(j -> j.getId() + " " + j.getDisplayName() + " " + j.getDescription() + " "
				+ j.getState() + " " + j.getPriority() + " " + j.getNotifyFlags() + " " + j.getFiles().size() + " " + j.getHandlerId() + " "
				+ j.getCustomHeaders() + " " + j.getProxySettings() + " " + j.getMinimumRetryDelay() + " " + j.getNoProgressTimeout())
				.sorted().collect(Collectors.joining("\n"));
	}

	private void assertUsage(String function, String problem, String command) {
		String message = assertOneLine(function, "bits:" + function + ": " + problem, command);
		assertTrue(message.contains("; usage: bits:" + function), message);
	}

	/** A TransferException (E_INVALIDARG), one line, naming the command and the problem; no other exception's name. */
	private String assertOneLine(String function, String words, String command) {
		TransferException e = assertThrows(TransferException.class, () -> session.execute(command), command);
		String message = e.getMessage();
		assertEquals(ErrorCodes.E_INVALIDARG, e.getCode(), command + ": " + message);
		assertTrue(message.startsWith(words), command + ": " + message);
		assertFalse(message.contains("\n") || message.contains("Cannot coerce") || message.contains("Exception"), command + ": " + message);
		return message;
	}
}
