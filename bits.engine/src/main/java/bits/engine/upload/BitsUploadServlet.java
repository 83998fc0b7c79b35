package bits.engine.upload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import bits.api.ErrorCodes;

/**
 * The server side of the BITS upload protocol ([MC-BUP]) for one endpoint: {@code BITS_POST} packets (Ping,
 * Create-Session, Fragment, Close-Session, Cancel-Session), each answered by an Ack, and the {@code GET} of an
 * upload-reply's reply. Every request is authenticated; the status codes and errors are the protocol's table.
 */
final class BitsUploadServlet extends HttpServlet {
	private static final long serialVersionUID = 1L;
	static final String PROTOCOL = "{7df0354d-249b-430f-820d-3d2a9bef4931}";
	static final String METHOD = "BITS_POST";
	static final int ERROR_DISK_FULL = 0x80070112;
	static final int E_FAIL = 0x80004005;
	/** ERROR_CONNECTION_COUNT_LIMIT: as many sessions as allowed. */
	static final int TOO_MANY_SESSIONS = 0x800704D6;
	/** ERROR_BUSY: the session is in use by a request that takes long. */
	static final int ERROR_BUSY = 0x800700AA;
	static final int CONTEXT_SERVER = 0x5;
	/** The longest header value a packet may carry ([MC-BUP] 2.2.1; Windows refuses longer ones). */
	static final int MAX_HEADER = 4096;
	static final int CONTEXT_REMOTE_APPLICATION = 0x7;
	private static final Pattern CONTENT_RANGE = Pattern.compile("(?i)bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18})");
	private static final String REPLY = "/" + UploadSessions.AREA + "/";

	private final transient UploadEndpoint endpoint;
	private final transient TusProtocol tus;

	BitsUploadServlet(UploadEndpoint endpoint) {
		this.endpoint = endpoint;
		this.tus = new TusProtocol(endpoint);
	}

	/** An answer that ends a request: the status, and the error to report in the Ack. */
	private static final class Refusal extends Exception {
		private static final long serialVersionUID = 1L;
		final int status;
		final int code;
		final int context;

		Refusal(int status, int code, String message) {
			this(status, code, CONTEXT_SERVER, message);
		}

		Refusal(int status, int code, int context, String message) {
			super(message);
			this.status = status;
			this.code = code;
			this.context = context;
		}
	}

	@Override
	protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
		Optional<String> owner = endpoint.authenticate(request.getHeader("Authorization"));
		String method = request.getMethod();
		if (owner.isEmpty()) {
			response.setHeader("WWW-Authenticate", "Basic realm=\"bits upload\"");
			if (METHOD.equals(method)) {
				refuse(response, null, new Refusal(401, ErrorCodes.E_ACCESSDENIED, "no or an unknown token"));
			} else {
				response.sendError(401);
			}
			return;
		}
		if (!endpoint.enabled()) { // as IIS answers when BITS uploads are disabled for the virtual directory ([MC-BUP] <22>)
			if (METHOD.equals(method)) {
				refuse(response, request.getHeader("BITS-Session-Id"), new Refusal(501, ErrorCodes.E_ACCESSDENIED, "uploads are disabled here"));
			} else {
				response.sendError(501, "uploads are disabled here");
			}
			return;
		}
		if (METHOD.equals(method)) {
			packet(request, response, owner.get());
		} else if (TusProtocol.handles(request)) {
			tus.serve(request, response, owner.get());
		} else if (("GET".equals(method) || "HEAD".equals(method)) && path(request).startsWith(REPLY)) {
			ReplyDownload.serve(request, response, endpoint.sessions().reply(replyId(path(request)), owner.get()), "GET".equals(method));
		} else {
			response.setHeader("Allow", METHOD + ", GET, HEAD, and tus's OPTIONS, POST, PATCH, DELETE");
			response.sendError(405);
		}
	}

	private void packet(HttpServletRequest request, HttpServletResponse response, String owner) throws IOException {
		String session = request.getHeader("BITS-Session-Id");
		try {
			String type = Optional.ofNullable(request.getHeader("BITS-Packet-Type")).orElse("").trim().toLowerCase(Locale.ROOT);
			String length = request.getHeader("Content-Length");
			if (length == null) {
				throw new Refusal(411, ErrorCodes.E_INVALIDARG, "no Content-Length");
			}
			long count = number(length, "Content-Length");
			for (String name : java.util.Collections.list(request.getHeaderNames())) {
				String value = request.getHeader(name);
				if (value != null && value.length() > MAX_HEADER) { // [MC-BUP] 2.2.1: a header's value is at most 4 KB
					throw new Refusal(400, ErrorCodes.E_INVALIDARG, "header " + name + " is longer than " + MAX_HEADER + " characters");
				}
			}
			if (!type.equals("fragment") && count != 0) {
				throw new Refusal(400, ErrorCodes.E_INVALIDARG, "a " + type + " packet has no body (Content-Length " + length + ")");
			}
			switch (type) {
			case "ping" -> ack(response, null);
			case "create-session" -> create(request, response, owner);
			case "fragment" -> fragment(request, response, owner, open(request, owner), count);
			case "close-session" -> {
				if (closedBefore(request, owner)) {
					ack(response, request.getHeader("BITS-Session-Id").trim()); // its first Ack was lost: answered again
				} else {
					close(request, response, owner, open(request, owner));
				}
			}
			case "cancel-session" -> cancel(response, owner, open(request, owner));
			default -> throw new Refusal(400, ErrorCodes.E_INVALIDARG, "unknown BITS-Packet-Type '" + type + "'");
			}
		} catch (Refusal e) {
			endpoint.log().debug("BITS upload {} {} refused: {} {}", request.getRequestURI(), request.getHeader("BITS-Packet-Type"), e.status, e.getMessage());
			refuse(response, session, e);
		}
	}

	private void create(HttpServletRequest request, HttpServletResponse response, String owner) throws Refusal, IOException {
		String protocols = request.getHeader("BITS-Supported-Protocols");
		if (protocols == null || !java.util.Arrays.stream(protocols.trim().split("[\\s,]+")).anyMatch(PROTOCOL::equalsIgnoreCase)) {
			throw new Refusal(400, ErrorCodes.E_INVALIDARG, "BITS-Supported-Protocols names no protocol this server speaks (" + PROTOCOL + ")");
		}
		SessionRecord r = call(() -> endpoint.sessions().create("bits", name(request), owner, -1, java.util.Map.of()));
		response.setHeader("BITS-Protocol", PROTOCOL);
		response.setHeader("Accept-Encoding", "identity");
		if (!endpoint.hostId().isEmpty()) {
			response.setHeader("BITS-Host-Id", endpoint.hostId());
			if (endpoint.hostIdFallbackSeconds() > 0) {
				response.setHeader("BITS-Host-Id-Fallback-Timeout", Long.toString(endpoint.hostIdFallbackSeconds()));
			}
		}
		ack(response, sessionId(r.id()));
	}

	private void fragment(HttpServletRequest request, HttpServletResponse response, String owner, SessionRecord r, long count) throws Refusal, IOException {
		String encoding = request.getHeader("Content-Encoding");
		if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
			throw new Refusal(400, ErrorCodes.E_INVALIDARG, "Content-Encoding " + encoding + ": only identity is taken");
		}
		String range = request.getHeader("Content-Range");
		Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
		if (m == null || !m.matches()) {
			throw new Refusal(400, ErrorCodes.E_INVALIDARG, "no Content-Range 'bytes FIRST-LAST/TOTAL': " + range);
		}
		long first = Long.parseLong(m.group(1));
		long last = Long.parseLong(m.group(2));
		long total = Long.parseLong(m.group(3));
		if (last < first || last >= total || last - first + 1 != count) {
			throw new Refusal(400, ErrorCodes.E_INVALIDARG, "Content-Range " + range + " does not fit the total or the Content-Length " + count);
		}
		SessionRecord after;
		if (r.whole()) {
			if (total != r.length()) {
				throw new Refusal(400, ErrorCodes.E_INVALIDARG, "the upload's total length was " + r.length() + ", now " + total);
			}
			if (last + 1 != total) { // not the last fragment again (its Ack lost): the session is past it
				received(response, r);
				throw new Refusal(416, 0, "the session has every byte");
			}
			after = r;
		} else {
			try (InputStream body = request.getInputStream()) {
				after = endpoint.sessions().write(r.id(), owner, first, total, count, body);
			} catch (SessionException e) {
				if (e.reason() == SessionException.Reason.OFFSET) {
					response.setHeader("BITS-Received-Content-Range", Long.toString(e.expected()));
					throw new Refusal(416, 0, e.getMessage());
				}
				if (e.reason() == SessionException.Reason.GONE) { // its data deleted on the server: a new session, from byte 0
					throw new Refusal(500, ErrorCodes.BG_E_SESSION_NOT_FOUND, e.getMessage());
				}
				throw refusal(e);
			}
		}
		if (after.whole() && !after.answered()) {
			after = answer(request, after);
		}
		received(response, after);
		if (after.whole() && after.replyUrl() != null) {
			response.setHeader("BITS-Reply-URL", after.replyUrl()); // the server application's static reply
		} else if (after.whole() && after.reply()) {
			response.setHeader("BITS-Reply-URL", replyUrl(request, after));
		}
		ack(response, sessionId(after.id()));
	}

	private void close(HttpServletRequest request, HttpServletResponse response, String owner, SessionRecord r) throws Refusal, IOException {
		if (r.whole() && !r.answered() && endpoint.answers()) {
			answer(request, r); // a listener that came after the last fragment
		}
		call(() -> endpoint.sessions().close(r.id(), owner));
		ack(response, sessionId(r.id()));
	}

	private void cancel(HttpServletResponse response, String owner, SessionRecord r) throws Refusal, IOException {
		call(() -> {
			endpoint.sessions().cancel(r.id(), owner);
			return null;
		});
		ack(response, sessionId(r.id()));
	}

	/** Hands the whole upload to the endpoint's listener or server application, if it has one, once, and keeps its answer. */
	private SessionRecord answer(HttpServletRequest request, SessionRecord r) throws Refusal {
		URI url = URI.create(request.getRequestURL().toString());
		try {
			return endpoint.sessions().answerOnce(r.id(), r.owner(), whole -> endpoint.answer(whole, url).orElse(null));
		} catch (SessionException e) {
			throw refusal(e);
		} catch (ApplicationNotification.Failure e) {
			endpoint.log().warn("the server application of endpoint {} refused {}: {}", endpoint.name(), r.name(), e.getMessage());
			throw new Refusal(e.status, e.code, CONTEXT_REMOTE_APPLICATION, e.getMessage());
		} catch (bits.api.TransferException e) {
			throw new Refusal(500, e.getCode(), CONTEXT_REMOTE_APPLICATION, "the upload listener refused it: " + e.getMessage());
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new Refusal(500, E_FAIL, CONTEXT_REMOTE_APPLICATION, "interrupted while the upload was handed on");
		} catch (Exception e) {
			endpoint.log().warn("the upload listener of endpoint {} failed on {}: {}", endpoint.name(), r.name(), e.toString());
			throw new Refusal(500, E_FAIL, CONTEXT_REMOTE_APPLICATION, "the upload listener failed: " + e);
		}
	}

	/** @return whether the session the request names is one of the caller's that was closed */
	private boolean closedBefore(HttpServletRequest request, String owner) {
		Optional<String> id = namedSession(request);
		return id.isPresent() && endpoint.sessions().find(id.get(), owner).isEmpty() && endpoint.sessions().wasClosed(id.get(), owner);
	}

	/** @return the session id the request's {@code BITS-Session-Id} names; empty if it names none */
	private static Optional<String> namedSession(HttpServletRequest request) {
		return Optional.ofNullable(request.getHeader("BITS-Session-Id")).flatMap(BitsUploadServlet::sessionIdOf);
	}

	/** @return the session id {@code braced} names as a GUID ({@code {ID}}, braces and case aside); empty if it is none */
	private static Optional<String> sessionIdOf(String braced) {
		try {
			return Optional.of(UUID.fromString(braced.trim().replaceFirst("^\\{", "").replaceFirst("\\}$", "").toLowerCase(Locale.ROOT)).toString());
		} catch (IllegalArgumentException e) {
			return Optional.empty();
		}
	}

	/** The session the request names, if it is the caller's and for this URL. */
	private SessionRecord open(HttpServletRequest request, String owner) throws Refusal {
		String header = request.getHeader("BITS-Session-Id");
		if (header == null) {
			throw new Refusal(400, ErrorCodes.E_INVALIDARG, "no BITS-Session-Id");
		}
		String name = name(request);
		return namedSession(request).flatMap(id -> endpoint.sessions().find(id, owner))
				.filter(r -> r.name().equals(name) && r.protocol().equals("bits"))
				.orElseThrow(() -> new Refusal(500, ErrorCodes.BG_E_SESSION_NOT_FOUND, "no session " + header + " for " + name));
	}

	private interface SessionCall<T> {
		T run() throws SessionException;
	}

	private static <T> T call(SessionCall<T> c) throws Refusal {
		try {
			return c.run();
		} catch (SessionException e) {
			throw refusal(e);
		}
	}

	/** The protocol's error table. */
	private static Refusal refusal(SessionException e) {
		return switch (e.reason()) {
		case NOT_FOUND -> new Refusal(500, ErrorCodes.BG_E_SESSION_NOT_FOUND, e.getMessage());
		case OFFSET -> new Refusal(416, 0, e.getMessage());
		case LENGTH_CHANGED, BEYOND_LENGTH, BAD_REQUEST, BAD_NAME, INCOMPLETE -> new Refusal(400, ErrorCodes.E_INVALIDARG, e.getMessage());
		// the body broke off: what came is kept, and a client still there may go on (5xx: transient)
		case INTERRUPTED -> new Refusal(500, ErrorCodes.E_CONNECTION_ERROR, e.getMessage());
		case TOO_LARGE -> new Refusal(500, ErrorCodes.BG_E_TOO_LARGE, e.getMessage());
		case EXISTS -> new Refusal(403, ErrorCodes.E_ACCESSDENIED, e.getMessage());
		case TOO_MANY -> new Refusal(503, TOO_MANY_SESSIONS, e.getMessage());
		case DISK_FULL -> new Refusal(500, ERROR_DISK_FULL, e.getMessage());
		case GONE -> new Refusal(404, 0, e.getMessage());
		case CHECKSUM -> new Refusal(400, ErrorCodes.E_INVALIDARG, e.getMessage());
		case BUSY -> new Refusal(503, ERROR_BUSY, e.getMessage());
		case IO -> new Refusal(500, E_FAIL, e.getMessage());
		};
	}

	private static void received(HttpServletResponse response, SessionRecord r) {
		response.setHeader("BITS-Received-Content-Range", Long.toString(r.received()));
	}

	private static void ack(HttpServletResponse response, String session) {
		response.setStatus(200);
		response.setHeader("BITS-Packet-Type", "Ack");
		if (session != null) {
			response.setHeader("BITS-Session-Id", session);
		}
		response.setContentLength(0);
	}

	/** An error Ack: the status, and unless it is a 416 or a 404, the BITS error and its context. */
	private static void refuse(HttpServletResponse response, String session, Refusal e) {
		response.setStatus(e.status);
		response.setHeader("BITS-Packet-Type", "Ack");
		if (session != null) {
			response.setHeader("BITS-Session-Id", session);
		}
		if (e.code != 0) {
			response.setHeader("BITS-Error-Code", ErrorCodes.hex(e.code));
			response.setHeader("BITS-Error-Context", "0x" + Integer.toHexString(e.context));
		}
		response.setContentLength(0);
	}

	private static long number(String value, String header) throws Refusal {
		try {
			long n = Long.parseLong(value.trim());
			if (n >= 0) {
				return n;
			}
		} catch (NumberFormatException e) {
			// refused below
		}
		throw new Refusal(400, ErrorCodes.E_INVALIDARG, header + " is not a length: " + value);
	}

	/** The file's name under the endpoint: the request's path after the endpoint's, decoded by the container. */
	private static String name(HttpServletRequest request) {
		return path(request).replaceFirst("^/", "");
	}

	private static String path(HttpServletRequest request) {
		return Optional.ofNullable(request.getPathInfo()).orElse("");
	}

	static String sessionId(String id) {
		return "{" + id.toUpperCase(Locale.ROOT) + "}";
	}

	/** The reply's absolute URL: {@code ENDPOINT/.bits-sessions/{ID}/reply}, on the host and port the client used. */
	private static String replyUrl(HttpServletRequest request, SessionRecord r) {
		StringBuffer url = request.getRequestURL();
		String base = url.substring(0, url.length() - request.getRequestURI().length()) + request.getContextPath() + request.getServletPath();
		return base + REPLY + "%7B" + r.id().toUpperCase(Locale.ROOT) + "%7D/reply";
	}

	private static String replyId(String path) {
		String rest = path.substring(REPLY.length());
		if (!rest.endsWith("/reply")) {
			return null;
		}
		return sessionIdOf(rest.substring(0, rest.length() - "/reply".length())).orElse(null);
	}
}
