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
 */
public record UploadSession(String id, String version, String host, String reply, long replyLength) {
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
		return Optional.of(new UploadSession(p[0], p[1], host, reply, length));
	}

	/** @return the validator to store: space-separated, as none of the parts has a space (an id or URL with one is refused) */
	public String validator() {
		return PREFIX + id + " " + version + " " + (host == null ? NONE : host) + " " + (reply == null ? NONE : reply) + " " + replyLength;
	}

	public UploadSession withReply(String url, long length) {
		return new UploadSession(id, version, host, url, length);
	}
}
