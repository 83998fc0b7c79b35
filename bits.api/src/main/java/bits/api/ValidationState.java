package bits.api;

/**
 * The validation state of a transferred file, set by a {@link TransferCallback#fileTransferred} callback
 * (BITS {@code IBackgroundCopyFile3::SetValidationState} / {@code GetValidationState}; SPEC N12).
 */
public enum ValidationState {
	/** Nobody has judged the file yet. */
	UNKNOWN,
	/** A callback marked the file valid. */
	VALID,
	/** A callback marked the file invalid; the job fails with {@link ErrorCodes#BG_E_VALIDATION_FAILED}. */
	INVALID
}
