package bits.engine.upload;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * The download of an upload-reply's reply, resumable as any download: one byte range ({@code Range: bytes=A-B},
 * {@code A-}, {@code -N}), a strong ETag, and {@code If-Range}. A reply never changes once stored.
 */
final class ReplyDownload {
	private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

	private ReplyDownload() {
	}

	static void serve(HttpServletRequest request, HttpServletResponse response, Optional<Path> reply, boolean withBody) throws IOException {
		if (reply.isEmpty()) {
			response.sendError(404);
			return;
		}
		Path file = reply.get();
		try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
			long size = c.size();
			String etag = "\"" + file.getParent().getFileName() + "-" + size + "\"";
			long first = 0;
			long last = size - 1;
			String range = request.getHeader("Range");
			String ifRange = request.getHeader("If-Range");
			boolean partial = range != null && (ifRange == null || ifRange.trim().equals(etag));
			if (partial) {
				Matcher m = RANGE.matcher(range.trim());
				if (!m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
					partial = false; // not one range in bytes: the whole reply, as RFC 9110 allows
				} else if (m.group(1).isEmpty()) {
					first = Math.max(0, size - Long.parseLong(m.group(2)));
				} else {
					first = Long.parseLong(m.group(1));
					last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
				}
				if (partial && (first >= size || last < first)) {
					response.setHeader("Content-Range", "bytes */" + size);
					response.sendError(416);
					return;
				}
			}
			response.setStatus(partial ? 206 : 200);
			response.setHeader("Accept-Ranges", "bytes");
			response.setHeader("ETag", etag);
			response.setContentType("application/octet-stream");
			if (partial) {
				response.setHeader("Content-Range", "bytes " + first + "-" + last + "/" + size);
			}
			long length = size == 0 ? 0 : last - first + 1;
			response.setContentLengthLong(length);
			if (withBody && length > 0) {
				OutputStream out = response.getOutputStream();
				c.transferTo(first, length, Channels.newChannel(out));
			}
		} catch (NoSuchFileException e) {
			response.sendError(404);
		}
	}
}
