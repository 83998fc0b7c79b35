package bits.api;

import java.net.URI;
import java.nio.file.Path;

/**
 * A remote file and its local destination, for {@link TransferJob#addFiles(java.util.List)}; BITS
 * {@code BG_FILE_INFO}.
 *
 * @param remote the remote file: an absolute {@code http}, {@code https} or {@code file} URI
 * @param local the destination: an absolute path without {@code ..} segments
 */
public record FileSpec(URI remote, Path local) {
}
