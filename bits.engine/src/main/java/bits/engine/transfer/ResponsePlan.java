package bits.engine.transfer;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import bits.api.ErrorCodes;
import bits.api.ErrorContext;

/**
 * What to do with an HTTP response to a (possibly ranged) GET (SPEC J4, J5, J6): append at the offset, restart the
 * file from byte 0, follow a redirect, take the file as already whole, or fail.
 */
record ResponsePlan(Kind kind, long offset, long total, String validator, TransferFailure failure) {
	enum Kind {
		/** Write the body at {@link ResponsePlan#offset()}. */
		WRITE,
		/** The file is already whole. */
		COMPLETE,
		/** Follow the Location header. */
		REDIRECT,
		/** The remote content changed: drop the data and ask again from byte 0 (J6). */
		RESTART,
		/** Give up with {@link ResponsePlan#failure()}. */
		FAIL
	}

	/** The longest wait a server's Retry-After can impose: a day; a job's own retry delay may still be longer. */
	static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);
	private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
	private static final Pattern UNSATISFIED = Pattern.compile("bytes\\s+\\*/(\\d+)");

	/**
	 * @param offset the durable bytes of the file, requested with {@code Range: bytes=offset-}
	 * @param storedValidator the validator the data so far was fetched with, or {@code null}
	 * @param storedTotal the file's size as recorded with the data so far, or -1
	 * @param background whether the job has a background priority, which needs range support and a known size
	 */
	static ResponsePlan decide(int status, HttpHeaders headers, long offset, String storedValidator, long storedTotal, boolean background) {
		String validator = validator(headers);
		switch (status) {
		case 206 -> {
			Matcher m = CONTENT_RANGE.matcher(headers.firstValue("Content-Range").orElse(""));
			if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
				return fail(TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
						"the server answered a request from byte " + offset + " with Content-Range '"
								+ headers.firstValue("Content-Range").orElse("") + "'", null, null));
			}
			long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
			if (total < 0 && background) {
				return missingSize();
			}
			if (offset > 0 && storedValidator != null && validator != null && !storedValidator.equals(validator)) {
				// a server that ignores If-Range: the bytes before the offset are of another version (J6)
				return new ResponsePlan(Kind.RESTART, 0, total, validator, null);
			}
			if (offset > 0 && storedTotal >= 0 && total >= 0 && storedTotal != total) {
				return new ResponsePlan(Kind.RESTART, 0, total, validator, null); // another length: another version (J6)
			}
			return new ResponsePlan(Kind.WRITE, offset, total, validator, null);
		}
		case 200 -> {
			long length = headers.firstValueAsLong("Content-Length").orElse(-1);
			boolean changed = offset > 0 && storedValidator != null && !storedValidator.equals(validator);
			if (background && !changed) {
				// the server ignored the Range header: BITS needs ranges to resume a background job
				return new ResponsePlan(Kind.FAIL, 0, length, null, TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT,
						"the server does not support range requests, which a background job needs; a FOREGROUND job can download it whole", null));
			}
			if (length < 0 && background) {
				return missingSize();
			}
			return new ResponsePlan(Kind.WRITE, 0, length, validator, null); // the whole file, from byte 0
		}
		case 416 -> {
			Matcher m = UNSATISFIED.matcher(headers.firstValue("Content-Range").orElse(""));
			if (offset > 0 && m.matches() && Long.parseLong(m.group(1)) == offset) {
				return new ResponsePlan(Kind.COMPLETE, offset, offset, storedValidator, null);
			}
			return new ResponsePlan(Kind.RESTART, 0, -1, null, null); // shorter than what we have: another version
		}
		case 301, 302, 303, 307, 308 -> {
			return new ResponsePlan(Kind.REDIRECT, offset, -1, null, null);
		}
		default -> {
			return fail(httpStatus(status, headers));
		}
		}
	}

	/** @return the total length a {@code Content-Range} gives, or -1 if it gives none */
	static long contentRangeTotal(HttpHeaders headers) {
		Matcher m = CONTENT_RANGE.matcher(headers.firstValue("Content-Range").orElse(""));
		return m.find() && !m.group(3).equals("*") ? Long.parseLong(m.group(3)) : -1;
	}

	static TransferFailure httpStatus(int status, HttpHeaders headers) {
		String description = "the server answered HTTP " + status;
		if (status == 408 || status == 429 || status >= 500 && status != 501 && status != 505) {
			return TransferFailure.transientError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(status), description,
					retryAfter(headers).orElse(null), null);
		}
		return TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(status), description, null);
	}

	/** The strong ETag, or else the Last-Modified date: what identifies this version of the content. */
	static String validator(HttpHeaders headers) {
		Optional<String> etag = headers.firstValue("ETag");
		if (etag.isPresent() && !etag.get().startsWith("W/")) {
			return etag.get();
		}
		return headers.firstValue("Last-Modified").orElse(null);
	}

	static Optional<Duration> retryAfter(HttpHeaders headers) {
		Optional<String> value = headers.firstValue("Retry-After").map(String::trim);
		if (value.isEmpty()) {
			return Optional.empty();
		}
		if (value.get().matches("\\d+")) {
			// any number of seconds, however long: beyond MAX_RETRY_AFTER it is capped, never an overflow
			return Optional.of(value.get().length() > 12 ? MAX_RETRY_AFTER : min(Duration.ofSeconds(Long.parseLong(value.get())), MAX_RETRY_AFTER));
		}
		try {
			ZonedDateTime at = ZonedDateTime.parse(value.get(), DateTimeFormatter.RFC_1123_DATE_TIME);
			Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
			return Optional.of(d.isNegative() ? Duration.ZERO : min(d, MAX_RETRY_AFTER));
		} catch (RuntimeException e) {
			return Optional.empty();
		}
	}

	private static Duration min(Duration a, Duration b) {
		return a.compareTo(b) <= 0 ? a : b;
	}

	private static ResponsePlan missingSize() {
		return fail(TransferFailure.fatal(ErrorContext.REMOTE_FILE, ErrorCodes.BG_E_MISSING_FILE_SIZE,
				"the server did not tell the file size, which a background job needs", null));
	}

	private static ResponsePlan fail(TransferFailure f) {
		return new ResponsePlan(Kind.FAIL, 0, -1, null, f);
	}
}
