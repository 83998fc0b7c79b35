package bits.engine.rest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import static bits.api.ErrorCodes.E_ACCESSDENIED;
import static bits.api.ErrorCodes.E_INVALIDARG;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

import com.fasterxml.jackson.core.JsonProcessingException;

import bits.engine.shell.OneShot;

/**
 * {@code POST /shell}: the command line attached to a running engine (SPEC S4). The body is a {@link ShellRequest};
 * the answer streams what the command writes, as it writes it, one JSON object a line ({@code {"out": TEXT}},
 * {@code {"err": TEXT}}), and ends with {@code {"exit": STATUS}}: 0, or 1 with the one-line error on err, as
 * {@code ./bits NAME ARGS} prints it. Empty lines in between are heartbeats: when one cannot be written, the client has
 * gone (Ctrl+C) and the command is interrupted. It runs any Gogo command, so only the admin token may use it (403 for
 * any other), as Karaf gives its console to the admin only. Without Gogo it is not there.
 */
@Component(service = Servlet.class, configurationPid = RestConfig.PID, property = {
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + ApiAddress.PATH + ShellServlet.PATH,
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=bits-shell" })
public class ShellServlet extends HttpServlet {
	static final String PATH = "/shell";
	static final String TYPE = "application/x-ndjson;charset=utf-8";
	private static final long serialVersionUID = 1L;
	private static final long HEARTBEAT_MILLIS = 500;

	@Reference
	private transient ApiTokens tokens;

	@Reference
	private transient CommandProcessor processor;

	private volatile int maxBody;
	private volatile boolean remote;

	@Activate
	void activate(RestConfig config) {
		modified(config);
	}

	@Modified
	void modified(RestConfig config) {
		maxBody = config.max_body_bytes();
		remote = config.shell_remote();
	}

	/**
	 * The command line that attaches runs on the engine's machine: a shell (which can install bundles) is refused to
	 * other machines unless configured, even with the admin token, should the API be made to listen beyond loopback.
	 */
	static boolean fromAllowedAddress(String remoteAddress, boolean remoteAllowed) {
		if (remoteAllowed) {
			return true;
		}
		try {
			return InetAddress.getByName(remoteAddress).isLoopbackAddress();
		} catch (UnknownHostException e) {
			return false;
		}
	}

	@Override
	protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String context = request.getMethod() + " " + PATH;
		ShellRequest command;
		try {
			Caller caller = tokens.authenticate(request.getHeader("Authorization"));
			if (!caller.admin()) {
				throw new ApiException(403, E_ACCESSDENIED, "the shell runs any command: only the admin token may use it");
			}
			if (!fromAllowedAddress(request.getRemoteAddr(), remote)) {
				throw new ApiException(403, E_ACCESSDENIED, "the shell answers only on this machine (loopback); configuration " + RestConfig.PID
						+ ", shell.remote=true allows other machines");
			}
			if (!request.getMethod().equals("POST")) {
				throw new ApiException(405, E_NOTIMPL, request.getMethod() + " is not a method of " + PATH);
			}
			command = read(request);
		} catch (ApiException e) {
			Json.fail(response, e, context);
			return;
		}
		response.setStatus(200);
		response.setContentType(TYPE);
		run(command, new Frames(response.getOutputStream()));
	}

	/** Runs the command on a thread of its own while this one watches the client, and sends the exit status. */
	private void run(ShellRequest command, Frames frames) throws IOException {
		boolean script = command.script() != null;
		String text = script ? command.script() : command.input() == null ? "" : command.input();
		InputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
		PrintStream out = new PrintStream(frames.stream("out"), true, StandardCharsets.UTF_8);
		PrintStream err = new PrintStream(frames.stream("err"), true, StandardCharsets.UTF_8);
		CommandSession session = processor.createSession(in, out, err);
		session.put(OneShot.TERMINAL, Boolean.toString(Boolean.TRUE.equals(command.terminal())));
		int[] status = { 1 };
		Thread worker = new Thread(() -> status[0] = script ? script(session, in, out) : OneShot.execute(session, command.line(), out, err),
				"bits shell: " + (script ? "script" : command.line()));
		worker.setDaemon(true);
		worker.start();
		try {
			while (worker.isAlive()) {
				worker.join(HEARTBEAT_MILLIS);
				if (worker.isAlive()) {
					frames.heartbeat(); // IOException: the client went away
				}
			}
			out.flush();
			err.flush();
			frames.send("exit", status[0]);
		} catch (IOException | InterruptedException e) {
			// Ctrl+C on the client, or the engine stops: the command must not run on (a wait, a monitor)
			Job job = session.foregroundJob();
			if (job != null) {
				job.interrupt();
			}
			worker.interrupt();
			try {
				worker.join(TimeUnit.SECONDS.toMillis(5));
			} catch (InterruptedException again) {
				Thread.currentThread().interrupt();
			}
		} finally {
			session.close();
		}
	}

	/**
	 * Runs a script's lines in one session, as Gogo's shell runs what it reads from a pipe: each result printed, a failure
	 * printed as {@code gogo: EXCEPTION: MESSAGE} and the next line run; the lines come from the session's input, so that
	 * a command reading its input (setcredentials) takes the line after it.
	 */
	private static int script(CommandSession session, InputStream lines, PrintStream out) {
		try {
			for (String line; (line = readLine(lines)) != null && !Thread.currentThread().isInterrupted();) {
				if (line.isBlank()) {
					continue;
				}
				try {
					Object result = session.execute(line);
					if (result != null) {
						out.println(session.format(result, Converter.INSPECT));
					}
				} catch (Exception e) {
					Throwable cause = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
					out.println("gogo: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
				}
				out.flush();
			}
		} catch (IOException e) {
			out.println("gogo: " + e);
		}
		return 0;
	}

	/** One line, read byte by byte so that what follows stays for the commands; null at the end. */
	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) >= 0 && b != '\n') {
			line.write(b);
		}
		return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8).replaceFirst("\r$", "");
	}

	private ShellRequest read(HttpServletRequest request) throws IOException {
		int limit = maxBody;
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes(limit + 1);
		}
		if (body.length > limit) {
			throw new ApiException(413, E_INVALIDARG, "the body is larger than " + limit + " bytes (configuration " + RestConfig.PID + ", max.body.bytes)");
		}
		ShellRequest r;
		try {
			r = Json.MAPPER.readValue(body, ShellRequest.class);
		} catch (JsonProcessingException e) {
			var at = e.getLocation();
			throw new ApiException(400, E_INVALIDARG, "malformed JSON or an unknown field" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
					+ ": expected {\"line\": TEXT, \"input\": TEXT, \"terminal\": BOOLEAN} or {\"script\": TEXT, \"terminal\": BOOLEAN}");
		}
		if (r == null || (r.line() == null) == (r.script() == null) || (r.line() != null && r.line().isBlank())) {
			throw new ApiException(400, E_INVALIDARG, "give a command \"line\" or a \"script\", one of them");
		}
		if (r.script() != null && r.input() != null) {
			throw new ApiException(400, E_INVALIDARG, "a script is its own input: \"input\" goes with a \"line\" only");
		}
		return r;
	}

	/** The answer's frames: JSON objects, one a line, each flushed at once; written by the command's threads and this one. */
	private static final class Frames {
		private final OutputStream body;

		Frames(OutputStream body) {
			this.body = body;
		}

		synchronized void send(String key, Object value) throws IOException {
			body.write(Json.MAPPER.writeValueAsBytes(Map.of(key, value)));
			body.write('\n');
			body.flush();
		}

		synchronized void heartbeat() throws IOException {
			body.write('\n');
			body.flush();
		}

		/** A stream whose bytes go out as text frames of {@code key}, as they are written; UTF-8 cut mid-character waits. */
		OutputStream stream(String key) {
			return new OutputStream() {
				private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

				@Override
				public void write(int b) throws IOException {
					write(new byte[] { (byte) b }, 0, 1);
				}

				@Override
				public synchronized void write(byte[] b, int off, int len) throws IOException {
					pending.write(b, off, len);
					byte[] bytes = pending.toByteArray();
					int whole = wholeCharacters(bytes);
					if (whole > 0) {
						pending.reset();
						pending.write(bytes, whole, bytes.length - whole);
						send(key, new String(bytes, 0, whole, StandardCharsets.UTF_8));
					}
				}
			};
		}

		/** How many leading bytes end on a character boundary: a multi-byte sequence cut at the end is left out. */
		static int wholeCharacters(byte[] b) {
			for (int back = 1; back <= Math.min(3, b.length); back++) {
				int c = b[b.length - back] & 0xff;
				if (c < 0x80) {
					return b.length; // ASCII: complete
				}
				if (c >= 0xc0) { // a lead byte: is its sequence complete?
					int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
					return back >= need ? b.length : b.length - back;
				}
			}
			return b.length; // not UTF-8 as expected: send it as it is
		}
	}
}
