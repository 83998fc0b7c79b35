package bits.api;

/**
 * The progress of a job; BITS {@code BG_JOB_PROGRESS}.
 *
 * @param bytesTotal the bytes of all files, or {@link #SIZE_UNKNOWN} while a file's size is not known
 * @param bytesTransferred the bytes transferred so far
 * @param filesTotal the number of files
 * @param filesTransferred the number of files fully transferred
 */
public record JobProgress(long bytesTotal, long bytesTransferred, int filesTotal, int filesTransferred) {
	/** A size not known yet ({@code BG_SIZE_UNKNOWN}). */
	public static final long SIZE_UNKNOWN = -1L;
}
