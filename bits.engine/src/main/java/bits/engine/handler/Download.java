package bits.engine.handler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads a repository index or a handler bundle whole, within a size and a time limit, so that a hostile or broken
 * repository can neither fill the memory nor hold a notification lane forever. {@code file:} is read as a file;
 * http(s) with connect and read timeouts, and the whole read must end within the timeout too.
 */
final class Download {
	static final String MAX_BYTES = "handler.download.max.bytes";
	static final String TIMEOUT = "handler.download.timeout.ms";

	private final long maxBytes;
	private final Duration timeout;

	Download(long maxBytes, Duration timeout) {
		this.maxBytes = Math.max(1, maxBytes);
		this.timeout = timeout.isNegative() || timeout.isZero() ? Duration.ofMillis(1) : timeout;
	}

	/** @return the bytes at the URL; an IOException says which limit was crossed */
	byte[] fetch(URI url) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		if ("file".equalsIgnoreCase(url.getScheme())) {
			Path file = Path.of(url);
			checkSize(url, Files.size(file));
			try (InputStream in = Files.newInputStream(file)) {
				return read(url, in, deadline);
			}
		}
		URLConnection connection = url.toURL().openConnection();
		int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
		connection.setConnectTimeout(ms);
		connection.setReadTimeout(ms);
		connection.setUseCaches(false);
		try {
			if (connection instanceof HttpURLConnection http && http.getResponseCode() != HttpURLConnection.HTTP_OK) {
				throw new IOException(url + " answered " + http.getResponseCode() + " " + http.getResponseMessage());
			}
			checkSize(url, connection.getContentLengthLong());
			try (InputStream in = connection.getInputStream()) {
				return read(url, in, deadline);
			}
		} finally {
			if (connection instanceof HttpURLConnection http) {
				http.disconnect();
			}
		}
	}

	private void checkSize(URI url, long size) throws IOException {
		if (size > maxBytes) {
			throw tooLarge(url, size + " bytes");
		}
	}

	private byte[] read(URI url, InputStream in, long deadline) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buffer = new byte[16 << 10];
		long total = 0;
		for (int n; (n = in.read(buffer)) >= 0;) {
			total += n;
			if (total > maxBytes) {
				throw tooLarge(url, "more than " + maxBytes + " bytes");
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IOException("reading " + url + " took longer than " + timeout.toMillis() + " ms (" + TIMEOUT + "); refused");
			}
			out.write(buffer, 0, n);
		}
		return out.toByteArray();
	}

	private IOException tooLarge(URI url, String size) {
		return new IOException(url + " is too large: " + size + ", the limit is " + maxBytes + " bytes (" + MAX_BYTES + "); refused");
	}
}
