package bits.engine.shell;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import bits.api.ErrorCodes;
import bits.api.TransferException;

/** Parses command arguments; a bad one is a {@link TransferException} (E_INVALIDARG) naming it. */
final class Args {
	private Args() {
	}

	static URI uri(String url) {
		try {
			return new URI(url);
		} catch (URISyntaxException e) {
			throw invalid("remote URL '" + url + "' is malformed: " + e.getReason());
		}
	}

	static Path path(String local) {
		try {
			return Path.of(local);
		} catch (InvalidPathException e) {
			throw invalid("local path '" + local + "' is malformed: " + e.getReason());
		}
	}

	static Duration seconds(String what, String seconds) {
		try {
			long s = Long.parseLong(seconds);
			if (s < 0) {
				throw new NumberFormatException();
			}
			return Duration.ofSeconds(s);
		} catch (NumberFormatException e) {
			throw invalid(what + " '" + seconds + "' is not a number of seconds");
		}
	}

	static long count(String what, String number) {
		try {
			long n = Long.parseLong(number);
			if (n < 0) {
				throw new NumberFormatException();
			}
			return n;
		} catch (NumberFormatException e) {
			throw invalid(what + " '" + number + "' is not a number of 0 or more");
		}
	}

	static double positive(String what, String number) {
		try {
			double d = Double.parseDouble(number);
			if (!(d > 0) || Double.isInfinite(d)) {
				throw new NumberFormatException();
			}
			return d;
		} catch (NumberFormatException e) {
			throw invalid(what + " '" + number + "' is not a positive number");
		}
	}

	static <E extends Enum<E>> E value(Class<E> type, String what, String name) {
		try {
			return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
		} catch (IllegalArgumentException e) {
			throw invalid(what + " '" + name + "' is not one of " + Arrays.toString(type.getEnumConstants()));
		}
	}

	static TransferException invalid(String message) {
		return new TransferException(ErrorCodes.E_INVALIDARG, message);
	}
}
