package bits.engine.model;

import java.util.Optional;

/**
 * An upload's place on a tus server, as the job's file keeps it in its validator (SPEC U5): the upload's URL (the
 * creation's {@code Location}) and the version of the local file it uploads ({@code size@mtime}).
 */
public record TusUpload(String location, String version) {
	private static final String PREFIX = "tus-upload ";

	/** @return the upload a file's validator names, if it names one */
	public static Optional<TusUpload> of(String validator) {
		if (validator == null || !validator.startsWith(PREFIX)) {
			return Optional.empty();
		}
		String[] p = validator.substring(PREFIX.length()).split(" ");
		return p.length < 2 ? Optional.empty() : Optional.of(new TusUpload(p[0], p[1]));
	}

	/** @return the validator to store (a URL has no space) */
	public String validator() {
		return PREFIX + location + " " + version;
	}
}
