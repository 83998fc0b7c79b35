package bits.engine.upload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * The server side of tus 1.0.0 (tus.io; SPEC U5) for one endpoint, on the same sessions as the BITS upload protocol:
 * the core protocol (HEAD, PATCH), creation ({@code POST} to the endpoint), termination ({@code DELETE}) and checksum
 * ({@code Upload-Checksum}, sha1, sha256 or md5). An upload's URL is {@code ENDPOINT/.bits-sessions/ID}; its name is
 * the {@code filename} of its {@code Upload-Metadata}, else its id; when its last byte arrives it is handed to the
 * endpoint's listener and put at its destination at once (tus has no close).
 */
final class TusProtocol {
	static final String VERSION = "1.0.0";
	static final String SESSIONS = "/" + UploadSessions.AREA + "/";
	private static final String OFFSET_TYPE = "application/offset+octet-stream";
	/** tus's status for a checksum that does not match ("460 Checksum Mismatch"). */
	private static final int CHECKSUM_MISMATCH = 460;
	private static final Map<String, String> ALGORITHMS = Map.of("sha1", "SHA-1", "sha256", "SHA-256", "md5", "MD5");

	private final UploadEndpoint endpoint;

	TusProtocol(UploadEndpoint endpoint) {
		this.endpoint = endpoint;
	}

	/** @return whether the request is tus's: OPTIONS, or one that says {@code Tus-Resumable} */
	static boolean handles(HttpServletRequest request) {
		return "OPTIONS".equals(request.getMethod()) || request.getHeader("Tus-Resumable") != null;
	}

	void serve(HttpServletRequest request, HttpServletResponse response, String owner) throws IOException {
		response.setHeader("Tus-Resumable", VERSION);
		String method = request.getMethod();
		if (method.equals("OPTIONS")) {
			response.setHeader("Tus-Version", VERSION);
			response.setHeader("Tus-Extension", "creation,termination,checksum");
			response.setHeader("Tus-Checksum-Algorithm", "sha1,sha256,md5");
			long max = endpoint.sessions().rules().maxBytes();
			if (max > 0) {
				response.setHeader("Tus-Max-Size", Long.toString(max));
			}
			response.setStatus(204);
			return;
		}
		if (!VERSION.equals(request.getHeader("Tus-Resumable").trim())) {
			response.setHeader("Tus-Version", VERSION);
			response.sendError(412, "this server speaks tus " + VERSION);
			return;
		}
		String path = Optional.ofNullable(request.getPathInfo()).orElse("/");
		try {
			if (method.equals("POST") && (path.equals("/") || path.isEmpty())) {
				create(request, response, owner);
				return;
			}
			String id = id(path);
			if (id == null) {
				response.sendError(404, "no upload at " + path);
				return;
			}
			Optional<SessionRecord> open = endpoint.sessions().find(id, owner).filter(s -> s.protocol().equals("tus"));
			long closed = endpoint.sessions().closedLength(id, owner);
			if (open.isEmpty() && closed >= 0 && (method.equals("HEAD") || method.equals("PATCH"))) {
				// whole and in place: a client whose last answer was lost learns so, rather than uploading it again
				whole(response, method, closed);
				return;
			}
			SessionRecord r = open.orElseThrow(() -> new SessionException(SessionException.Reason.NOT_FOUND, "no upload " + id));
			if (r.whole() && (method.equals("HEAD") || method.equals("PATCH"))) {
				finish(request, r); // whole, but its hand-over failed before: again now, and only then is it told whole
				whole(response, method, r.length());
				return;
			}
			switch (method) {
			case "HEAD" -> head(response, r);
			case "PATCH" -> patch(request, response, owner, r);
			case "DELETE" -> {
				endpoint.sessions().cancel(r.id(), owner);
				response.setStatus(204);
			}
			default -> {
				response.setHeader("Allow", "OPTIONS, POST, HEAD, PATCH, DELETE");
				response.sendError(405);
			}
			}
		} catch (SessionException e) {
			refuse(response, e);
		}
	}

	/** Creation: a new upload of {@code Upload-Length} bytes, named by its metadata's {@code filename}. */
	private void create(HttpServletRequest request, HttpServletResponse response, String owner) throws IOException, SessionException {
		String lengthHeader = request.getHeader("Upload-Length");
		long length;
		try {
			length = lengthHeader == null ? -1 : Long.parseLong(lengthHeader.trim());
		} catch (NumberFormatException e) {
			length = -1;
		}
		if (length < 0) {
			response.sendError(400, "no Upload-Length (this server does not take Upload-Defer-Length)");
			return;
		}
		Map<String, String> metadata;
		try {
			metadata = metadata(request.getHeader("Upload-Metadata"));
		} catch (IllegalArgumentException e) {
			response.sendError(400, "Upload-Metadata: " + e.getMessage());
			return;
		}
		long max = endpoint.sessions().rules().maxBytes();
		if (max > 0 && length > max) {
			response.sendError(413, length + " bytes is more than this endpoint takes (" + max + ")");
			return;
		}
		String name = metadata.getOrDefault("filename", null);
		String id = UUID.randomUUID().toString();
		SessionRecord r = endpoint.sessions().create("tus", name == null ? id : name, owner, length, metadata);
		response.setHeader("Location", base(request) + SESSIONS + r.id());
		response.setStatus(201);
		if (length == 0) {
			finish(request, r);
		}
	}

	private static void head(HttpServletResponse response, SessionRecord r) {
		offsets(response, r.received(), r.length());
		response.setStatus(200);
	}

	/** What a HEAD tells: the upload's offset and length, never from a cache. */
	private static void offsets(HttpServletResponse response, long offset, long length) {
		response.setHeader("Upload-Offset", Long.toString(offset));
		response.setHeader("Upload-Length", Long.toString(length));
		response.setHeader("Cache-Control", "no-store");
	}

	/** Appends the request's body at {@code Upload-Offset}, which must be where the upload's bytes end. */
	private void patch(HttpServletRequest request, HttpServletResponse response, String owner, SessionRecord r) throws IOException, SessionException {
		String type = request.getContentType();
		if (type == null || !type.trim().toLowerCase(Locale.ROOT).startsWith(OFFSET_TYPE)) {
			response.sendError(415, "a PATCH carries " + OFFSET_TYPE);
			return;
		}
		long offset;
		try {
			offset = Long.parseLong(Optional.ofNullable(request.getHeader("Upload-Offset")).orElse("").trim());
		} catch (NumberFormatException e) {
			response.sendError(400, "no Upload-Offset");
			return;
		}
		if (offset != r.received()) {
			response.setHeader("Upload-Offset", Long.toString(r.received()));
			response.sendError(409, "the upload's bytes end at " + r.received() + ", not " + offset);
			return;
		}
		MessageDigest digest = null;
		byte[] expected = null;
		String checksum = request.getHeader("Upload-Checksum");
		if (checksum != null) {
			String[] parts = checksum.trim().split(" ");
			String algorithm = parts.length == 2 ? ALGORITHMS.get(parts[0].toLowerCase(Locale.ROOT)) : null;
			try {
				expected = algorithm == null ? null : Base64.getDecoder().decode(parts[1]);
				digest = algorithm == null ? null : MessageDigest.getInstance(algorithm);
			} catch (IllegalArgumentException | NoSuchAlgorithmException e) {
				digest = null;
			}
			if (digest == null) {
				response.sendError(400, "Upload-Checksum is ALGORITHM BASE64 with one of " + ALGORITHMS.keySet());
				return;
			}
		}
		long count = request.getContentLengthLong();
		SessionRecord after;
		try (InputStream raw = request.getInputStream(); InputStream body = digest == null ? raw : new DigestInputStream(raw, digest)) {
			MessageDigest d = digest;
			byte[] want = expected;
			after = endpoint.sessions().write(r.id(), owner, offset, -1, count, body, d == null ? null : () -> MessageDigest.isEqual(d.digest(), want));
		}
		if (after.whole()) {
			finish(request, after); // before the answer: a client told the upload is whole finds it in place
		}
		response.setHeader("Upload-Offset", Long.toString(after.received()));
		response.setStatus(204);
	}

	/** The last byte is in: the listener's answer, then the file at its destination (tus has no close). */
	private void finish(HttpServletRequest request, SessionRecord r) throws SessionException {
		URI url = URI.create(request.getRequestURL().toString());
		try {
			r = endpoint.sessions().answerOnce(r.id(), r.owner(), whole -> endpoint.answer(whole, url).orElse(null));
		} catch (SessionException e) {
			throw e;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SessionException(SessionException.Reason.IO, "interrupted while the upload was handed on");
		} catch (Exception e) {
			endpoint.log().warn("the listener of endpoint {} failed on the tus upload {}: {}", endpoint.name(), r.name(), e.toString());
			throw new SessionException(SessionException.Reason.IO, "the upload's listener failed: " + e.getMessage());
		}
		endpoint.sessions().close(r.id(), r.owner());
	}

	private static void refuse(HttpServletResponse response, SessionException e) throws IOException {
		int status = switch (e.reason()) {
		case NOT_FOUND -> 404;
		case OFFSET -> 409;
		case LENGTH_CHANGED, BEYOND_LENGTH, BAD_REQUEST, BAD_NAME, INCOMPLETE -> 400;
		case INTERRUPTED -> 500; // what came is kept: a client still there goes on from HEAD's offset
		case TOO_LARGE -> 413;
		case EXISTS -> 403; // not 409, which tus clients take for an offset to ask again
		case BUSY -> 423;
		case TOO_MANY -> 503;
		case CHECKSUM -> CHECKSUM_MISMATCH;
		case DISK_FULL, IO -> 500;
		case GONE -> 410;
		};
		if (e.expected() >= 0) {
			response.setHeader("Upload-Offset", Long.toString(e.expected()));
		}
		response.sendError(status, e.getMessage());
	}

	/** {@code key base64,key base64}: the values decoded (a key alone has the empty value). */
	static Map<String, String> metadata(String header) {
		Map<String, String> m = new LinkedHashMap<>();
		if (header == null || header.isBlank()) {
			return m;
		}
		for (String pair : header.split(",")) {
			String[] kv = pair.trim().split(" ");
			if (kv[0].isEmpty() || kv.length > 2 || m.size() >= 32) {
				throw new IllegalArgumentException("not 'key base64' pairs");
			}
			m.put(kv[0], kv.length == 2 ? new String(Base64.getDecoder().decode(kv[1]), StandardCharsets.UTF_8) : "");
		}
		return m;
	}

	private static String id(String path) {
		if (!path.startsWith(SESSIONS)) {
			return null;
		}
		try {
			return UUID.fromString(path.substring(SESSIONS.length())).toString();
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** The endpoint's absolute URL, on the host and port the client used. */
	private static String base(HttpServletRequest request) {
		StringBuffer url = request.getRequestURL();
		return url.substring(0, url.length() - request.getRequestURI().length()) + request.getContextPath() + request.getServletPath();
	}

	/** The answer to a HEAD or PATCH of an upload that is whole: its length as its offset (a PATCH has nothing to add). */
	private static void whole(HttpServletResponse response, String method, long length) throws IOException {
		offsets(response, length, length);
		if (method.equals("HEAD")) {
			response.setStatus(200);
		} else {
			response.sendError(409, "the upload is whole");
		}
	}
}
