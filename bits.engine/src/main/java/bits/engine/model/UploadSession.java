package bits.engine.model;

import java.util.Optional;

/**
 * An upload's session on its server, as the job's file keeps it in its validator (SPEC U1, U2): the session id, the
 * version of the local file it uploads ({@code size@mtime}, as BITS checks a file for changes), the host the server
 * asked the client to use, and for an upload-reply job the reply's URL and length once the server gave them. Kept with
 * the job, it lets an upload, and the download of its reply, resume after a restart.
 *
 * @param host the server's host id, or {@code null}
 * @param reply the reply's URL, or {@code null} until the last fragment's Ack named it
 * @param replyLength the reply's length, or -1 until known
 * @param fallbackSeconds the server's {@code BITS-Host-Id-Fallback-Timeout}: after this long without an answer from the
 *        host id, the client goes back to the URL it was given; 0 never
 * @param hostAnswered when the host id last answered (epoch milliseconds): kept, so that the timeout runs across the
 *        job's retries and the engine's restarts
 */
public record UploadSession(String id, String version, String host, String reply, long replyLength, long fallbackSeconds, long hostAnswered) {
	private static final String PREFIX = "bits-upload ";
	private static final String NONE = "-";

	/** @return the session a file's validator names, if it names one */
	public static Optional<UploadSession> of(String validator) {
		if (validator == null || !validator.startsWith(PREFIX)) {
			return Optional.empty();
		}
		String[] p = validator.substring(PREFIX.length()).split(" ");
		if (p.length < 2) {
			return Optional.empty();
		}
		String host = p.length > 2 && !p[2].equals(NONE) ? p[2] : null;
		String reply = p.length > 3 && !p[3].equals(NONE) ? p[3] : null;
		long length = p.length > 4 ? Long.parseLong(p[4]) : -1;
		long fallback = p.length > 6 ? Long.parseLong(p[5]) : 0;
		long answered = p.length > 6 ? Long.parseLong(p[6]) : 0;
		return Optional.of(new UploadSession(p[0], p[1], host, reply, length, fallback, answered));
	}

	/** @return the validator to store: space-separated, as none of the parts has a space (an id or URL with one is refused) */
	public String validator() {
		return PREFIX + id + " " + version + " " + (host == null ? NONE : host) + " " + (reply == null ? NONE : reply) + " " + replyLength + " "
				+ fallbackSeconds + " " + hostAnswered;
	}

	public UploadSession withReply(String url, long length) {
		return new UploadSession(id, version, host, url, length, fallbackSeconds, hostAnswered);
	}

	/** @return this session with its host id answering at {@code millis} */
	public UploadSession hostAnsweredAt(long millis) {
		return new UploadSession(id, version, host, reply, replyLength, fallbackSeconds, millis);
	}

	/** @return this session addressed at the URL the client was given, as after the host id's fallback timeout */
	public UploadSession atOrigin() {
		return new UploadSession(id, version, null, reply, replyLength, 0, 0);
	}

	/** @return whether the host id has not answered for its fallback timeout at {@code millis} */
	public boolean hostFallenBack(long millis) {
		return host != null && fallbackSeconds > 0 && millis - hostAnswered >= fallbackSeconds * 1000;
	}
}
