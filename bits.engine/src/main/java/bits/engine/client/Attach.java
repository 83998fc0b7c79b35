package bits.engine.client;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The command line attached to the engine that holds a store (SPEC S4): what {@code ./bits} runs instead of a framework
 * of its own when {@code STORE/api-address} names a running engine. It sends the command to the engine's
 * {@code POST /shell} with the store's admin token and writes what comes back, byte for byte, to its own stdout and
 * stderr, then exits with the command's status. It starts fast: only the JDK and Jackson's streaming parser, no OSGi.
 *
 * <p>
 * Usage: {@code Attach STORE MODE TERMINAL}, MODE {@code command} (the command line in the environment variable
 * {@code BITS_COMMAND}, not in the process list; a password for setcredentials in {@code BITS_PASSWORD}, sent as the
 * command's input), {@code script} (the commands read from stdin, run as Gogo's shell runs a pipe) or {@code repl} (a
 * prompt, one line at a time); TERMINAL {@code true} when stderr is a terminal (progress bars).
 */
public final class Attach {
	/** The exit status when no engine answers at the address: the wrapper then starts one. */
	static final int NOT_REACHED = 75;
	private static final String ADMIN = "*";
	private static final long RETRY_MILLIS = 5000;
	private static final JsonFactory JSON = new JsonFactory();

	private final URL url;
	private final String token;
	private final boolean terminal;
	private final OutputStream out = new FileOutputStream(FileDescriptor.out);
	private final OutputStream err = new FileOutputStream(FileDescriptor.err);
	private final Charset charset = Charset.defaultCharset(); // as a one-shot engine's stdout and stderr would encode

	private Attach(URL url, String token, boolean terminal) {
		this.url = url;
		this.token = token;
		this.terminal = terminal;
	}

	public static void main(String[] args) {
		if (args.length != 3) {
			System.err.println("usage: Attach STORE command|script|repl TERMINAL");
			System.exit(2);
		}
		Path store = Path.of(args[0]);
		Attach client;
		try {
			String address = Files.readString(store.resolve("api-address"), StandardCharsets.UTF_8).strip();
			client = new Attach(new URL(address + "/shell"), adminToken(store.resolve("api-tokens")), Boolean.parseBoolean(args[2]));
		} catch (IOException e) { // the engine stopped since the wrapper looked (its address is gone): the wrapper starts one
			System.exit(NOT_REACHED);
			return;
		}
		int status;
		try {
			status = switch (args[1]) {
			case "command" -> client.command(System.getenv("BITS_COMMAND"), System.getenv("BITS_PASSWORD"));
			case "script" -> client.send(null, new String(System.in.readAllBytes(), StandardCharsets.UTF_8), null);
			case "repl" -> client.repl();
			default -> throw new IllegalArgumentException("unknown mode " + args[1]);
			};
		} catch (ConnectException e) { // nothing was sent: the wrapper starts an engine, or says why it cannot
			status = NOT_REACHED;
		} catch (IOException e) {
			System.err.println("bits: the engine at " + client.url + " did not finish the command: " + e);
			status = 1;
		}
		System.exit(status);
	}

	private int command(String line, String password) throws IOException {
		if (line == null || line.isBlank()) {
			System.err.println("bits: no command (BITS_COMMAND is empty)");
			return 2;
		}
		return send(line, null, password == null ? null : password + "\n");
	}

	/** A prompt, a line, its output: until the end of the input. */
	private int repl() throws IOException {
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, charset));
		for (;;) {
			out.write("g! ".getBytes(charset));
			String line = in.readLine();
			if (line == null) {
				out.write('\n');
				return 0;
			}
			if (line.strip().equals("exit") || line.strip().equals("quit")) {
				return 0;
			}
			if (!line.isBlank()) {
				send(null, line + "\n", null);
			}
		}
	}

	/**
	 * Sends a command line (and its input) or a script; writes the frames of the answer as they come.
	 *
	 * @return the command's exit status
	 */
	private int send(String line, String script, String input) throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		try (JsonGenerator g = JSON.createGenerator(body)) {
			g.writeStartObject();
			if (line != null) {
				g.writeStringField("line", line);
			}
			if (script != null) {
				g.writeStringField("script", script);
			}
			if (input != null) {
				g.writeStringField("input", input);
			}
			g.writeBooleanField("terminal", terminal);
			g.writeEndObject();
		}
		HttpURLConnection c = post(body.toByteArray());
		if (c.getResponseCode() != 200) {
			return refused(c);
		}
		try (InputStream answer = c.getInputStream(); JsonParser p = JSON.createParser(answer)) {
			for (JsonToken t; (t = p.nextToken()) != null;) {
				if (t != JsonToken.FIELD_NAME) {
					continue; // the objects' braces
				}
				String key = p.currentName();
				p.nextToken();
				switch (key) {
				case "out" -> write(out, p.getText());
				case "err" -> write(err, p.getText());
				case "exit" -> {
					return p.getIntValue();
				}
				default -> {
					// a frame of a later engine this client does not know
				}
				}
			}
		}
		System.err.println("bits: the engine at " + url + " stopped before the command ended");
		return 1;
	}

	/** Posts the body; a 404 while the engine is still registering its shell resource is tried again for a while. */
	private HttpURLConnection post(byte[] body) throws IOException {
		long deadline = System.currentTimeMillis() + RETRY_MILLIS;
		for (;;) {
			HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
			c.setRequestMethod("POST");
			c.setDoOutput(true);
			c.setRequestProperty("Authorization", "Bearer " + token);
			c.setRequestProperty("Content-Type", "application/json");
			c.setFixedLengthStreamingMode(body.length);
			try (OutputStream o = c.getOutputStream()) {
				o.write(body);
			}
			if (c.getResponseCode() != 404 || System.currentTimeMillis() > deadline) {
				return c;
			}
			c.getErrorStream().readAllBytes();
			try {
				Thread.sleep(100);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return c;
			}
		}
	}

	/** The API's error ({"code", "context", "description"}) as one line. */
	private int refused(HttpURLConnection c) throws IOException {
		String description = "HTTP " + c.getResponseCode();
		InputStream error = c.getErrorStream();
		if (error != null) {
			try (JsonParser p = JSON.createParser(error)) {
				for (JsonToken t; (t = p.nextToken()) != null;) {
					if (t == JsonToken.FIELD_NAME && p.currentName().equals("description")) {
						p.nextToken();
						description = p.getText() + " (HTTP " + c.getResponseCode() + ")";
					}
				}
			} catch (IOException e) {
				// not JSON: the status says enough
			}
		}
		System.err.println("bits: the engine at " + url + " refused the command: " + description);
		return 1;
	}

	private void write(OutputStream stream, String text) throws IOException {
		stream.write(text.getBytes(charset));
		stream.flush();
	}

	/** The admin token: the first {@code TOKEN *} line of the store's token file. */
	private static String adminToken(Path file) throws IOException {
		for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
			String[] parts = line.strip().split("\\s+");
			if (parts.length == 2 && parts[1].equals(ADMIN) && !parts[0].startsWith("#")) {
				return parts[0];
			}
		}
		throw new IOException("no admin token (a line 'TOKEN *') in " + file);
	}
}
