package bits.api;

import java.net.URI;
import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/** A file uploaded whole to one of the engine's upload endpoints, as an {@link UploadListener} sees it. */
@ProviderType
public interface Upload {
	/** @return the name of the endpoint it was uploaded to */
	String endpoint();

	/** @return the URL the client uploaded to */
	URI url();

	/** @return the file's name under the endpoint, as the URL gives it (segments separated by {@code /}) */
	String name();

	/** @return where the file goes when the client closes the upload, unless the reply says otherwise */
	Path destination();

	/** @return the uploaded bytes, readable (not writable) until the upload is closed or cancelled */
	Path file();

	/** @return the file's length in bytes */
	long length();

	/** @return whom the client authenticated as */
	String owner();
}
