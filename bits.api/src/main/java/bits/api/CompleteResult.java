package bits.api;

/** The outcome of {@link TransferJob#complete()}; the success codes of BITS {@code IBackgroundCopyJob::Complete}. */
public enum CompleteResult {
	/** Every file is at its destination ({@code S_OK}). */
	COMPLETE,
	/** Only the fully transferred files were kept; the others were discarded ({@code BG_S_PARTIAL_COMPLETE}). */
	PARTIAL_COMPLETE,
	/** The files are at their destinations, but some temporary files could not be deleted ({@code BG_S_UNABLE_TO_DELETE_FILES}). */
	UNABLE_TO_DELETE_FILES
}
