package bits.engine.shell;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.NotifyFlag;
import bits.api.ProxySettings;
import bits.api.ProxyUsage;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/**
 * Gogo commands that read and set a job's properties, as {@code bitsadmin /set...} does. A bad argument is a one-line
 * error naming it; nothing changes. Each method asks {@link Usage#helped} first, which prints the help for
 * {@code --help}; a method returns text to print, or null.
 */
@Component(service = PropertyCommands.class, property = { "osgi.command.scope=bits", "osgi.command.function=setdisplayname",
		"osgi.command.function=setdescription", "osgi.command.function=setnotifyflags", "osgi.command.function=getnotifyflags",
		"osgi.command.function=setminretrydelay", "osgi.command.function=setnoprogresstimeout",
		"osgi.command.function=setcustomheaders", "osgi.command.function=setcredentials", "osgi.command.function=setproxysettings" })
public class PropertyCommands {
	@Reference
	private TransferManager manager;

	@Descriptor("set a job's display name")
	public String setdisplayname(@Descriptor("job") String job, @Descriptor("display name") String name) {
		if (!Usage.helped(this, "setdisplayname", job, name)) {
			JobRefs.resolve(manager, job).setDisplayName(name);
		}
		return null;
	}

	@Descriptor("set a job's description")
	public String setdescription(@Descriptor("job") String job, @Descriptor("description") String description) {
		if (!Usage.helped(this, "setdescription", job, description)) {
			JobRefs.resolve(manager, job).setDescription(description);
		}
		return null;
	}

	@Descriptor("set a job's notify flags: names (JOB_TRANSFERRED, JOB_ERROR, JOB_MODIFICATION, FILE_TRANSFERRED, DISABLE) or BITS's number")
	public String setnotifyflags(@Descriptor("job") String job, @Descriptor("flags") String... flags) {
		if (!Usage.helped(this, "setnotifyflags", job, flags)) {
			TransferJob j = JobRefs.resolve(manager, job);
			j.setNotifyFlags(flags(flags));
		}
		return null;
	}

	@Descriptor("show a job's notify flags")
	public String getnotifyflags(@Descriptor("job") String job) {
		if (Usage.helped(this, "getnotifyflags", job)) {
			return null;
		}
		Set<NotifyFlag> flags = JobRefs.resolve(manager, job).getNotifyFlags();
		return flags.stream().map(Enum::name).collect(Collectors.joining(" ")) + " (" + NotifyFlag.toBits(flags) + ")";
	}

	@Descriptor("set a job's minimum retry delay in seconds (BITS: at least 5)")
	public String setminretrydelay(@Descriptor("job") String job, @Descriptor("seconds") String seconds) {
		if (!Usage.helped(this, "setminretrydelay", job, seconds)) {
			JobRefs.resolve(manager, job).setMinimumRetryDelay(Args.seconds("retry delay", seconds));
		}
		return null;
	}

	@Descriptor("set a job's no-progress timeout in seconds")
	public String setnoprogresstimeout(@Descriptor("job") String job, @Descriptor("seconds") String seconds) {
		if (!Usage.helped(this, "setnoprogresstimeout", job, seconds)) {
			JobRefs.resolve(manager, job).setNoProgressTimeout(Args.seconds("no-progress timeout", seconds));
		}
		return null;
	}

	@Descriptor("set a job's custom request headers, each 'Name: value'; none clears them")
	public String setcustomheaders(@Descriptor("job") String job, @Descriptor("headers") String... headers) {
		if (Usage.helped(this, "setcustomheaders", job, headers)) {
			return null;
		}
		Map<String, String> map = new LinkedHashMap<>();
		for (String h : headers) {
			int colon = h.indexOf(':');
			if (colon <= 0) {
				throw new TransferException(ErrorCodes.E_INVALIDARG, "header '" + h + "' is not 'Name: value'");
			}
			map.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
		}
		JobRefs.resolve(manager, job).setCustomHeaders(map);
		return null;
	}

	@Descriptor("set credentials: TARGET (SERVER or PROXY) SCHEME (BASIC, DIGEST, NTLM, NEGOTIATE) USER; the password is the first line"
			+ " of --password-file, the engine's environment variable --password-env, else one line read from the input; never an argument."
			+ " Server credentials go over https only, unless --allow-http")
	public String setcredentials(CommandSession session,
			@Descriptor("a file whose first line is the password") @Parameter(names = "--password-file", absentValue = "") String file,
			@Descriptor("an environment variable of the engine process holding the password") @Parameter(names = "--password-env", absentValue = "") String env,
			@Descriptor("send server credentials over plain http too, where anyone on the path can read them")
			@Parameter(names = "--allow-http", presentValue = "true", absentValue = "false") String allowHttp,
			@Descriptor("job") String job, @Descriptor("target") String target, @Descriptor("scheme") String scheme,
			@Descriptor("user name") String user) throws IOException {
		if (Usage.helped(session, this, "setcredentials", file, env, allowHttp, job, target, scheme, user)) {
			return null;
		}
		AuthTarget t = Args.value(AuthTarget.class, "target", target);
		AuthScheme s = Args.value(AuthScheme.class, "scheme", scheme);
		TransferJob j = JobRefs.resolve(manager, job);
		j.setCredentials(new Credentials(t, s, user, password(session, file, env)));
		if (t == AuthTarget.SERVER) {
			j.setPlainHttpAuthenticationAllowed(Boolean.parseBoolean(allowHttp));
		}
		return null;
	}

	@Descriptor("refused: a password argument shows in the process list and the shell's history")
	public String setcredentials(CommandSession session, @Descriptor("job") String job, @Descriptor("target") String target,
			@Descriptor("scheme") String scheme, @Descriptor("user name") String user, @Descriptor("password (refused)") String password)
			throws IOException {
		if ("--allow-http".equals(job)) { // Gogo gives "--allow-http JOB TARGET SCHEME USER" to this overload: five words
			return setcredentials(session, "", "", "true", target, scheme, user, password);
		}
		if (Usage.helped(session, this, "setcredentials", job, target, scheme, user, password)) {
			return null;
		}
		throw Args.invalid("setcredentials takes no password argument (it would show in the process list): give it on stdin,"
				+ " or with --password-file FILE or --password-env NAME");
	}

	/** The password from a file's first line, an environment variable, or else a line of the session's input. */
	static String password(CommandSession session, String file, String env) throws IOException {
		if (!file.isEmpty() && !env.isEmpty()) {
			throw Args.invalid("give --password-file or --password-env, not both");
		}
		if (!file.isEmpty()) {
			try (BufferedReader r = Files.newBufferedReader(Args.path(file), StandardCharsets.UTF_8)) {
				String line = r.readLine();
				if (line == null) {
					throw Args.invalid("password file '" + file + "' is empty");
				}
				return line;
			} catch (NoSuchFileException e) {
				throw Args.invalid("password file '" + file + "' does not exist");
			} catch (IOException e) {
				throw Args.invalid("password file '" + file + "' cannot be read: " + e);
			}
		}
		if (!env.isEmpty()) {
			String value = System.getenv(env);
			if (value == null) {
				throw Args.invalid("environment variable '" + env + "' (--password-env) is not set");
			}
			return value;
		}
		String line = readLine(session.getKeyboard());
		if (line == null) {
			throw Args.invalid("no password: the input ended before a line (or use --password-file FILE or --password-env NAME)");
		}
		return line;
	}

	/** One line of UTF-8 text, read byte by byte so that nothing after it is consumed; null at once at the end. */
	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) >= 0 && b != '\n') {
			line.write(b);
		}
		if (b < 0 && line.size() == 0) {
			return null;
		}
		String s = line.toString(StandardCharsets.UTF_8);
		return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
	}

	@Descriptor("set proxy use: PRECONFIG, NO_PROXY, or OVERRIDE PROXY[,PROXY...] [BYPASS[,BYPASS...]]")
	public String setproxysettings(@Descriptor("job") String job, @Descriptor("usage and lists") String... args) {
		if (Usage.helped(this, "setproxysettings", job, args)) {
			return null;
		}
		if (args.length == 0) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "proxy usage is missing");
		}
		ProxyUsage usage = Args.value(ProxyUsage.class, "proxy usage", args[0]);
		List<String> proxies = args.length > 1 ? List.of(args[1].split(",")) : List.of();
		List<String> bypass = args.length > 2 ? List.of(args[2].split(",")) : List.of();
		if (args.length > 3) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "too many arguments after the proxy usage: " + Arrays.toString(args));
		}
		JobRefs.resolve(manager, job).setProxySettings(new ProxySettings(usage, proxies, bypass));
		return null;
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}

	static EnumSet<NotifyFlag> flags(String... names) {
		if (names.length == 0) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "notify flags are missing");
		}
		if (names.length == 1 && !names[0].isEmpty() && names[0].chars().allMatch(Character::isDigit)) {
			try {
				return NotifyFlag.fromBits(Integer.parseInt(names[0]));
			} catch (IllegalArgumentException e) { // also a number too large for a flag word
				throw new TransferException(ErrorCodes.E_INVALIDARG, "notify flags '" + names[0] + "': " + e.getMessage());
			}
		}
		EnumSet<NotifyFlag> flags = EnumSet.noneOf(NotifyFlag.class);
		for (String n : names) {
			for (String one : n.split("[,|]")) {
				if (!one.isBlank()) {
					flags.add(Args.value(NotifyFlag.class, "notify flag", one.trim()));
				}
			}
		}
		return flags;
	}
}
