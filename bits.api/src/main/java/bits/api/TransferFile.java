package bits.api;

import java.net.URI;
import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A file of a {@link TransferJob}; BITS {@code IBackgroundCopyFile} (with {@code IBackgroundCopyFile3}'s temporary
 * name and validation state).
 */
@ProviderType
public interface TransferFile {
	/** @return the position of this file in its job, from 0; files transfer in this order */
	int getIndex();

	/** @return the remote file; BITS {@code GetRemoteName} */
	URI getRemoteUri();

	/** @return the destination, where the file appears only on {@link TransferJob#complete()}; BITS {@code GetLocalName} */
	Path getLocalPath();

	/**
	 * @return the temporary file beside the destination that receives the data until {@code complete()}; BITS
	 *         {@code GetTemporaryName}. A {@link TransferCallback#fileTransferred} callback reads it to validate.
	 */
	Path getTemporaryPath();

	/** @return the file's progress; BITS {@code GetProgress} */
	FileProgress getProgress();

	/** @return whether a callback has judged the file; BITS {@code GetValidationState} */
	ValidationState getValidationState();

	/**
	 * Marks the transferred file valid or invalid; BITS {@code SetValidationState}. An invalid file fails the job with
	 * {@link ErrorCodes#BG_E_VALIDATION_FAILED} (SPEC N12).
	 *
	 * @param valid {@code true} for valid
	 * @throws TransferException {@link ErrorCodes#BG_E_INVALID_STATE} if the file is not fully transferred or the job
	 *         is final
	 */
	void setValidationState(boolean valid);
}
