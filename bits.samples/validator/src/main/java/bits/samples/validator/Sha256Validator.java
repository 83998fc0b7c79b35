package bits.samples.validator;

import java.io.IOException;
import java.net.URI;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.api.BitsHandler;
import bits.api.TransferCallback;
import bits.api.TransferFile;
import bits.api.TransferJob;
import bits.samples.digest.Digests;

/**
 * Checks each transferred file against the SHA-256 its URL carries in the fragment, as in
 * {@code https://example.org/a.iso#sha256=9f86d0...}: a fragment is never sent to the server, so it is a natural place
 * for the expected digest. A match marks the file valid; a mismatch marks it invalid, which fails the job (SPEC N12).
 * A file without such a fragment is left unvalidated. Add {@code FILE_TRANSFERRED} to the job's notify flags.
 */
@Component(service = TransferCallback.class)
@BitsHandler(Sha256Validator.ID)
public class Sha256Validator implements TransferCallback {
	/** This handler's id. */
	public static final String ID = "bits.samples.sha256";
	private static final String PREFIX = "sha256=";

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Override
	public void fileTransferred(TransferJob job, TransferFile file) throws IOException {
		String expected = expected(file.getRemoteUri());
		if (expected == null) {
			return;
		}
		String actual = Digests.sha256(file.getTemporaryPath());
		boolean valid = actual.equalsIgnoreCase(expected);
		if (!valid) {
			log.warn("job {}: {} has SHA-256 {}, expected {}", job.getId(), file.getRemoteUri(), actual, expected);
		}
		file.setValidationState(valid);
	}

	private static String expected(URI uri) {
		String fragment = uri.getFragment();
		return fragment != null && fragment.startsWith(PREFIX) ? fragment.substring(PREFIX.length()) : null;
	}
}
