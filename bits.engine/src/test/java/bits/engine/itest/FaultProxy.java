package bits.engine.itest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A loopback TCP proxy in front of nginx that injects transport faults into responses: nginx still does all the
 * HTTP (ranges, validators); the proxy only cuts or stalls the byte stream. Each new connection takes the next
 * fault from the queue; with none queued it passes everything.
 */
final class FaultProxy implements AutoCloseable {
	/** What happens to one connection's response after {@code afterBytes}. */
	record Fault(Kind kind, long afterBytes) {
		enum Kind {
			/** Reset the connection (RST): "connection reset mid-body", or a body shorter than its length. */
			RESET,
			/** Close the connection normally (FIN): a body shorter than its Content-Length. */
			CLOSE,
			/** Stop forwarding but keep the connection open: a stall past the read timeout. */
			STALL,
			/** Forward one byte every half second: a slow-loris response. */
			TRICKLE,
			/** Forward the status line and headers, then stop but keep the connection open: a body that never comes. */
			STALL_AFTER_HEADERS,
			/** Drop the request's Range and If-Range headers (from the start), so the server answers 200, not 206. */
			STRIP_RANGE,
			/** Reset the connection after {@code afterBytes} of what the client sends: an upload cut off mid-body. */
			RESET_REQUEST
		}
	}

	private final ServerSocket server;
	private final int target;
	private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
	/** Every byte the clients sent, in the order read: the requests, for a test to read back. */
	private final java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
	private final List<Socket> sockets = new ArrayList<>();
	private volatile boolean open = true;
	volatile int connections;

	FaultProxy(int port, int target) throws IOException {
		this(InetAddress.getLoopbackAddress(), port, target);
	}

	/** @param bind the loopback address to listen on (127.0.0.2 is another host, for a BITS host id) */
	FaultProxy(InetAddress bind, int port, int target) throws IOException {
		this.server = new ServerSocket(port, 50, bind);
		this.target = target;
		Thread t = new Thread(this::accept, "fault-proxy");
		t.setDaemon(true);
		t.start();
	}

	int port() {
		return server.getLocalPort();
	}

	void next(Fault fault) {
		faults.add(fault);
	}

	/** The faults that make the next try of a transfer fail before any byte of its response. */
	static final List<Fault> FAIL_BEFORE_ANY_BYTE = List.of(new Fault(Fault.Kind.RESET, 0), new Fault(Fault.Kind.RESET, 0));

	/**
	 * The next try of the transfer fails before any byte of its response, so that the job then waits (SPEC J8: 1 s after
	 * an interruption): two resets, as the JDK's client tries a request once more by itself when its connection fails
	 * before the response.
	 */
	void nextTryFailsBeforeAnyByte() {
		FAIL_BEFORE_ANY_BYTE.forEach(this::next);
	}

	private volatile Fault always;

	/** A fault for every connection that none queued with {@link #next} applies to. */
	void always(Fault fault) {
		always = fault;
	}

	private void accept() {
		while (open) {
			try {
				Socket client = server.accept();
				connections++;
				Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
				synchronized (sockets) {
					sockets.add(client);
					sockets.add(upstream);
				}
				Fault fault = faults.poll();
				if (fault == null) {
					fault = always;
				}
				boolean request = fault != null && (fault.kind() == Fault.Kind.STRIP_RANGE || fault.kind() == Fault.Kind.RESET_REQUEST);
				pump(client, upstream, request ? fault : null, sent);
				pump(upstream, client, request ? null : fault, null);
			} catch (IOException e) {
				// closed
			}
		}
	}

	/** Copies one direction, from {@code from} to {@code to}, applying the fault to what {@code to} receives. */
	/** @return the heads of the requests the clients sent (their bodies skipped by Content-Length), in order */
	List<String> requestHeads() {
		String all;
		synchronized (sent) {
			all = sent.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
		}
		List<String> heads = new ArrayList<>();
		for (int at = 0, end; (end = all.indexOf("\r\n\r\n", at)) >= 0;) {
			String head = all.substring(at, end);
			heads.add(head);
			java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^Content-Length:\\s*(\\d+)").matcher(head);
			at = end + 4 + (m.find() ? Integer.parseInt(m.group(1)) : 0);
		}
		return heads;
	}

	private static void pump(Socket from, Socket to, Fault fault, java.io.ByteArrayOutputStream record) {
		Thread t = new Thread(() -> {
			byte[] buffer = new byte[16384];
			long sent = 0;
			try (InputStream in = from.getInputStream()) {
				OutputStream out = to.getOutputStream();
				int n;
				while ((n = in.read(buffer)) > 0) {
					if (record != null) {
						synchronized (record) {
							record.write(buffer, 0, n);
						}
					}
					if (fault != null && fault.kind() == Fault.Kind.STRIP_RANGE) {
						// requests are small: each read holds whole header lines
						String text = new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
						byte[] stripped = text.replaceAll("(?im)^(If-)?Range:[^\\r\\n]*\\r\\n", "").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
						out.write(stripped);
						out.flush();
						continue;
					}
					if (fault != null && fault.kind() == Fault.Kind.STALL_AFTER_HEADERS) {
						String text = new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
						int end = text.indexOf("\r\n\r\n");
						if (end >= 0) { // responses are small: the first read holds all headers
							out.write(buffer, 0, end + 4);
							out.flush();
							Thread.sleep(Long.MAX_VALUE); // until the client gives up and the proxy closes
						}
					}
					if (fault != null && sent + n > fault.afterBytes()) {
						out.write(buffer, 0, (int) (fault.afterBytes() - sent));
						out.flush();
						if (fault.kind() == Fault.Kind.RESET || fault.kind() == Fault.Kind.RESET_REQUEST) {
							to.setSoLinger(true, 0);
							to.close();
							from.close();
						} else if (fault.kind() == Fault.Kind.CLOSE) {
							to.close();
							from.close();
						} else if (fault.kind() == Fault.Kind.TRICKLE) {
							for (int i = (int) (fault.afterBytes() - sent); i < n; i++) {
								out.write(buffer[i]);
								out.flush();
								Thread.sleep(500);
							}
							while ((n = in.read(buffer)) > 0) {
					if (record != null) {
						synchronized (record) {
							record.write(buffer, 0, n);
						}
					}
								for (int i = 0; i < n; i++) {
									out.write(buffer[i]);
									out.flush();
									Thread.sleep(500);
								}
							}
						} else {
							Thread.sleep(Long.MAX_VALUE); // until the client gives up and the proxy closes
						}
						return;
					}
					out.write(buffer, 0, n);
					sent += n;
				}
				to.shutdownOutput();
			} catch (IOException | InterruptedException e) {
				// the other side closed
			}
		}, "fault-proxy-pump");
		t.setDaemon(true);
		t.start();
	}

	@Override
	public void close() throws IOException {
		open = false;
		server.close();
		synchronized (sockets) {
			for (Socket s : sockets) {
				try {
					s.close();
				} catch (SocketException e) {
					// already closed
				}
			}
		}
	}
}
