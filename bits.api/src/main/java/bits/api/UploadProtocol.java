package bits.api;

/** How an upload job speaks to its server. */
public enum UploadProtocol {
	/** The BITS upload protocol ({@code BITS_POST}), as BITS does: the default. */
	BITS,
	/** tus 1.0 (tus.io): the job's URL is the server's creation URL; the upload is whole at the server at its last byte. */
	TUS,
	/** Asks the server first ({@code OPTIONS}): tus if it answers {@code Tus-Version} with 1.0.0, else BITS. */
	DISCOVER
}
