package bits.engine.jobs;

import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * A handler id as a job names it (SPEC H8): {@code ID}, or {@code ID;version=RANGE} with an OSGi version range
 * ({@code [2,3)}, or {@code 2.0} for 2.0 and above), which only bundles of a version in the range may satisfy. The job
 * keeps the text as it was given.
 */
public record HandlerSpec(String id, VersionRange range) {
	private static final String VERSION = ";version=";

	/**
	 * @param text {@code ID} or {@code ID;version=RANGE} (the range may be quoted)
	 * @throws IllegalArgumentException naming what is wrong
	 */
	public static HandlerSpec parse(String text) {
		int semicolon = text.indexOf(';');
		if (semicolon < 0) {
			return new HandlerSpec(text, null);
		}
		String id = text.substring(0, semicolon);
		String rest = text.substring(semicolon);
		if (id.isEmpty() || !rest.startsWith(VERSION) || rest.length() == VERSION.length()) {
			throw new IllegalArgumentException("handler id \"" + text + "\" is neither ID nor ID" + VERSION + "RANGE");
		}
		String range = rest.substring(VERSION.length());
		if (range.length() > 1 && range.startsWith("\"") && range.endsWith("\"")) {
			range = range.substring(1, range.length() - 1);
		}
		VersionRange parsed;
		try {
			parsed = VersionRange.valueOf(range);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("handler id \"" + text + "\": " + range + " is not an OSGi version range such as"
					+ " [2,3) or 2.0 (" + e.getMessage() + ")");
		}
		if (parsed.isEmpty()) {
			throw new IllegalArgumentException("handler id \"" + text + "\": the version range " + range + " is empty");
		}
		return new HandlerSpec(id, parsed);
	}

	/** @return whether a bundle of this version may serve the job */
	public boolean accepts(Version version) {
		return range == null || range.includes(version);
	}

	@Override
	public String toString() {
		return range == null ? id : id + VERSION + range;
	}
}
