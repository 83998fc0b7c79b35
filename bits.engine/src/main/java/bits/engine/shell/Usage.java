package bits.engine.shell;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;

/**
 * The usage of a {@code bits:} command, generated from the {@link Descriptor} and
 * {@link org.apache.felix.service.command.Parameter} annotations that Felix's {@code help} reads too, and the guards
 * that make a command print it instead of running: {@code --help} and {@code -h} never run a command, and a wrong
 * word is a one-line {@link bits.api.TransferException} (E_INVALIDARG) naming it.
 * <p>
 * Gogo (Reflective) calls a command object's public {@code _main(Object...)} with the function's name first when no
 * method of the function takes the words; every command component has one that calls {@link #fallback}. Its varargs
 * cost more than any match of a method whose parameters are all strings, so it is reached only when nothing matches:
 * hence flags are {@code String} parameters, not {@code boolean} (each boolean converted costs as much as a word).
 * A positional {@code String} parameter takes {@code --help} as its value, so each command method calls
 * {@link #helped} first.
 * <p>
 * The help is printed, not returned: Karaf's {@code help NAME} runs {@code NAME --help} and shows only what it
 * printed (its SingleCommandHelpProvider drops the value a command returns).
 */
public final class Usage {
	private static final Set<String> HELP = Set.of("--help", "-h");
	private static final String VALUE = " VALUE";

	private Usage() {
	}

	/**
	 * The guard at the top of a command method: prints the command's help when a value asks for it.
	 *
	 * @param values the method's parameters but the session, in their order
	 * @return whether the help was printed (then the command does nothing and returns null)
	 * @throws bits.api.TransferException when a value is null (an unset variable) or a positional is an unknown option
	 */
	public static boolean helped(Object command, String function, Object... values) {
		String help = check(command, function, values);
		if (help != null) {
			System.out.println(help); // Gogo points System.out at the session's output (ThreadIO)
		}
		return help != null;
	}

	/** @see #helped(Object, String, Object...) */
	public static boolean helped(CommandSession session, Object command, String function, Object... values) {
		String help = check(session, command, function, values);
		if (help != null) {
			System.out.println(help);
		}
		return help != null;
	}

	private static String check(Object command, String function, Object... values) {
		Method method = method(command, function, values.length);
		List<Object> flat = new ArrayList<>();
		for (Object v : values) {
			flat.addAll(v instanceof Object[] a ? Arrays.asList(a) : Arrays.asList(v));
		}
		if (flat.stream().anyMatch(Usage::help)) {
			return of(command, function);
		}
		List<Parameter> params = parameters(method);
		for (int i = 0; i < values.length; i++) {
			Parameter p = i < params.size() ? params.get(i) : null;
			Object[] words = values[i] instanceof Object[] a ? a : new Object[] { values[i] };
			for (Object w : words) {
				if (w == null) {
					throw Args.invalid("bits:" + function + ": " + label(p, i) + " is missing (null: an unset variable?)");
				}
				if (p != null && option(p) == null && w instanceof String s && optionLike(s)) {
					throw wrong(command, function, "unknown option " + s);
				}
			}
		}
		return null;
	}

	/*
	 * With the session: Gogo gives a null first value (an unset variable) to the session parameter and the next values
	 * to the parameters before theirs, so a null session means the first parameter is missing.
	 */
	private static String check(CommandSession session, Object command, String function, Object... values) {
		if (session == null) {
			List<Parameter> params = parameters(method(command, function, values.length));
			throw Args.invalid("bits:" + function + ": " + label(params.isEmpty() ? null : params.get(0), 0) + " is missing (null: an unset variable?)");
		}
		return check(command, function, values);
	}

	/**
	 * What a command component's {@code _main} does: Gogo calls it when no method of the function takes the words.
	 *
	 * @param argv the function's name, then the words
	 * @return null, having printed the command's help when a word asks for it
	 * @throws bits.api.TransferException otherwise, naming the unknown option or the wrong words, with the usage line
	 */
	public static String fallback(Object command, Object... argv) {
		String function = String.valueOf(argv[0]);
		List<Object> words = Arrays.asList(argv).subList(1, argv.length);
		if (words.stream().anyMatch(Usage::help)) {
			System.out.println(of(command, function));
			return null;
		}
		for (Method m : methods(command, function)) {
			// Gogo gives a null first word to the session parameter, then finds no match: name the null here
			Object[] values = assign(m, words);
			if (values != null) {
				check(command, function, values);
			}
		}
		List<String> options = methods(command, function).stream().flatMap(m -> parameters(m).stream()).map(Usage::option)
				.filter(o -> o != null).flatMap(o -> Arrays.stream(o.names())).toList();
		for (Object w : words) {
			if (w instanceof String s && optionLike(s) && !options.contains(s)) {
				throw wrong(command, function, "unknown option " + s);
			}
		}
		Object last = words.isEmpty() ? null : words.get(words.size() - 1);
		if (last instanceof String s && options.contains(s) && takesValue(command, function, s)) {
			throw wrong(command, function, "option " + s + " needs a value");
		}
		// the words are counted, not repeated: one of them may be a password (setcredentials refuses it as an argument)
		throw wrong(command, function, "wrong arguments (" + words.size() + " word" + (words.size() == 1 ? "" : "s")
				+ (words.contains(null) ? ", one null: an unset variable?" : "") + ")");
	}

	/**
	 * The words as the values of the method's parameters but the session, as Gogo assigns them: options by name, the
	 * rest in order; null when they do not fit.
	 */
	private static Object[] assign(Method m, List<Object> words) {
		List<Object> rest = new ArrayList<>(words);
		List<Parameter> params = parameters(m);
		Object[] values = new Object[params.size()];
		for (int i = 0; i < values.length; i++) {
			var o = option(params.get(i));
			if (o != null) {
				int at = Arrays.stream(o.names()).mapToInt(rest::indexOf).filter(n -> n >= 0).findFirst().orElse(-1);
				if (at < 0) {
					values[i] = o.absentValue();
				} else if (!value(o)) {
					values[i] = o.presentValue();
					rest.remove(at);
				} else if (at + 1 < rest.size()) {
					rest.remove(at);
					values[i] = rest.remove(at);
				} else {
					return null;
				}
			}
		}
		for (int i = 0; i < values.length; i++) {
			if (option(params.get(i)) == null) {
				if (params.get(i).isVarArgs()) {
					values[i] = rest.toArray();
					rest.clear();
				} else if (rest.isEmpty()) {
					return null;
				} else {
					values[i] = rest.remove(0);
				}
			}
		}
		return rest.isEmpty() ? values : null;
	}

	/** The command's help: for each of its methods, the description, a usage line and the options. */
	public static String of(Object command, String function) {
		StringBuilder b = new StringBuilder();
		for (Method m : methods(command, function)) {
			b.append(b.length() == 0 ? "" : "\n").append("bits:").append(function).append(" - ").append(m.getAnnotation(Descriptor.class).value())
					.append('\n').append(synopsis(m, function)).append('\n');
			List<String[]> rows = new ArrayList<>();
			for (Parameter p : parameters(m)) {
				var o = option(p);
				if (o != null) {
					Descriptor d = p.getAnnotation(Descriptor.class);
					rows.add(new String[] { String.join(", ", o.names()) + (value(o) ? VALUE : ""), d == null ? "" : d.value() });
				}
			}
			int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
			rows.forEach(r -> b.append("  ").append(r[0]).append(" ".repeat(width - r[0].length() + 3)).append(r[1]).append('\n'));
		}
		return b.toString().stripTrailing();
	}

	private static RuntimeException wrong(Object command, String function, String problem) {
		String usage = methods(command, function).stream().map(m -> synopsis(m, function)).collect(Collectors.joining(" or "));
		return Args.invalid("bits:" + function + ": " + problem + "; " + usage + " (bits:" + function + " --help tells more)");
	}

	/** {@code usage: bits:NAME [options] <positional> <varargs>...}; a varargs descriptor that is a pattern is kept. */
	private static String synopsis(Method m, String function) {
		StringBuilder b = new StringBuilder("usage: bits:").append(function);
		List<Parameter> params = parameters(m);
		if (params.stream().anyMatch(p -> option(p) != null)) {
			b.append(" [options]");
		}
		for (int i = 0; i < params.size(); i++) {
			Parameter p = params.get(i);
			if (option(p) == null) {
				String name = name(p, i);
				b.append(' ').append(p.isVarArgs() ? (name.startsWith("[") ? name : "<" + name + ">...") : "<" + name + ">");
			}
		}
		return b.toString();
	}

	/** The public methods named like the function that carry a description (not Object.wait), the longest first. */
	private static List<Method> methods(Object command, String function) {
		return Arrays.stream(command.getClass().getMethods()).filter(m -> m.getName().equalsIgnoreCase(function) && m.isAnnotationPresent(Descriptor.class))
				.sorted(Comparator.comparingInt(Method::getParameterCount).reversed()).toList();
	}

	/** The method of the function with this many parameters besides the session, or null. */
	private static Method method(Object command, String function, int count) {
		return methods(command, function).stream().filter(m -> parameters(m).size() == count).findFirst().orElse(null);
	}

	private static List<Parameter> parameters(Method m) {
		return m == null ? List.of() : Arrays.stream(m.getParameters()).filter(p -> p.getType() != CommandSession.class).toList();
	}

	private static org.apache.felix.service.command.Parameter option(Parameter p) {
		return p.getAnnotation(org.apache.felix.service.command.Parameter.class);
	}

	private static boolean value(org.apache.felix.service.command.Parameter o) {
		return o.presentValue().equals(org.apache.felix.service.command.Parameter.UNSPECIFIED);
	}

	private static boolean takesValue(Object command, String function, String name) {
		return methods(command, function).stream().flatMap(m -> parameters(m).stream()).map(Usage::option)
				.anyMatch(o -> o != null && value(o) && Arrays.asList(o.names()).contains(name));
	}

	/** How a message names a parameter: an option by its name, a positional as the usage line does. */
	private static String label(Parameter p, int index) {
		return p != null && option(p) != null ? name(p, index) : "<" + name(p, index) + ">";
	}

	/** An option's first name, else the parameter's description, else its place. */
	private static String name(Parameter p, int index) {
		if (p == null) {
			return "argument " + (index + 1);
		}
		var o = option(p);
		if (o != null) {
			return o.names()[0];
		}
		Descriptor d = p.getAnnotation(Descriptor.class);
		return d != null ? d.value() : "argument " + (index + 1);
	}

	/** Set.contains would throw on null, an unset variable's value. */
	private static boolean help(Object word) {
		return word != null && HELP.contains(word);
	}

	/** {@code --word} or {@code -x}: never a job reference, a number or a URL. */
	private static boolean optionLike(String word) {
		return word.matches("--[A-Za-z][-A-Za-z0-9]*|-[A-Za-z]");
	}
}
