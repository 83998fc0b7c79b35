package bits.engine.transfer;

import java.util.Optional;

/**
 * An upload's session on its server, as the job's file keeps it in its validator (SPEC U1): the session id, the
 * version of the local file it uploads ({@code size@mtime}, as BITS checks a file for changes), and the host the
 * server asked the client to use, if any. Kept with the job, it lets an upload resume after a restart.
 */
record UploadSession(String id, String version, String host) {
	private static final String PREFIX = "bits-upload ";

	/** @return the session a file's validator names, if it names one */
	static Optional<UploadSession> of(String validator) {
		if (validator == null || !validator.startsWith(PREFIX)) {
			return Optional.empty();
		}
		String[] parts = validator.substring(PREFIX.length()).split(" ");
		if (parts.length < 2) {
			return Optional.empty();
		}
		return Optional.of(new UploadSession(parts[0], parts[1], parts.length > 2 ? parts[2] : null));
	}

	String validator() {
		return PREFIX + id + " " + version + (host == null ? "" : " " + host);
	}
}
