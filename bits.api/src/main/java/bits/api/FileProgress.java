package bits.api;

/**
 * The progress of one file; BITS {@code BG_FILE_PROGRESS}.
 *
 * @param bytesTotal the file's size, or {@link JobProgress#SIZE_UNKNOWN} while it is not known
 * @param bytesTransferred the bytes transferred so far
 * @param completed {@code true} once the whole file is transferred
 */
public record FileProgress(long bytesTotal, long bytesTransferred, boolean completed) {
}
