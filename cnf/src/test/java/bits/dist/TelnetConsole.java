package bits.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client of Equinox's console on a telnet port ({@code -console HOST:PORT}): it answers the console's option
 * negotiation (a terminal type, "dumb", which the console waits for before it reads a line) and keeps what the console
 * prints, without telnet commands or terminal escapes.
 */
final class TelnetConsole implements AutoCloseable {
	private static final int IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240, TTYPE = 24, SEND = 1, IS = 0;

	private final Socket socket;
	private final OutputStream out;
	private final StringBuilder text = new StringBuilder(); // guarded by itself
	private final Thread reader;

	TelnetConsole(int port) throws IOException {
		socket = new Socket("127.0.0.1", port);
		out = socket.getOutputStream();
		InputStream in = socket.getInputStream();
		reader = new Thread(() -> read(in), "telnet console reader");
		reader.setDaemon(true);
		reader.start();
	}

	String text() {
		synchronized (text) {
			return text.toString().replaceAll("\u001b\\[[0-9;?]*[a-zA-Z]", "").replace("\r", "");
		}
	}

	void type(String line) throws IOException {
		synchronized (out) {
			out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
			out.flush();
		}
	}

	private void read(InputStream in) {
		try {
			int c;
			while ((c = in.read()) >= 0) {
				if (c != IAC) {
					synchronized (text) {
						text.append((char) c); // the console writes ASCII here
					}
					continue;
				}
				int command = in.read();
				if (command == DO || command == WILL) {
					int option = in.read();
					// we send our terminal type; every other option is refused (DO) or accepted (WILL: the console echoes)
					reply(IAC, command == DO ? (option == TTYPE ? WILL : WONT) : DO, option);
				} else if (command == DONT || command == WONT) {
					in.read();
				} else if (command == SB) {
					int option = in.read(), kind = in.read();
					for (int b = in.read(); b >= 0; b = in.read()) { // the rest of the subnegotiation, to IAC SE
						if (b == IAC && in.read() == SE) {
							break;
						}
					}
					if (option == TTYPE && kind == SEND) {
						byte[] dumb = "dumb".getBytes(StandardCharsets.US_ASCII);
						byte[] msg = new byte[dumb.length + 6];
						msg[0] = (byte) IAC; msg[1] = (byte) SB; msg[2] = TTYPE; msg[3] = IS;
						System.arraycopy(dumb, 0, msg, 4, dumb.length);
						msg[msg.length - 2] = (byte) IAC; msg[msg.length - 1] = (byte) SE;
						synchronized (out) {
							out.write(msg);
							out.flush();
						}
					}
				}
			}
		} catch (IOException e) {
			// closed
		}
	}

	private void reply(int... bytes) throws IOException {
		synchronized (out) {
			for (int b : bytes) {
				out.write(b);
			}
			out.flush();
		}
	}

	@Override
	public void close() throws IOException {
		socket.close();
	}
}
