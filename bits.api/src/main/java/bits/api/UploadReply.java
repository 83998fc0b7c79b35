package bits.api;

import java.util.Arrays;

/**
 * What an {@link UploadListener} answers to an upload: reply data for a BITS upload-reply client (which downloads it
 * before it closes the upload), and whether the file is put at its destination when the upload is closed.
 */
public final class UploadReply {
	private static final UploadReply PLAIN = new UploadReply(null, true);

	private final byte[] data;
	private final boolean placed;

	private UploadReply(byte[] data, boolean placed) {
		this.data = data;
		this.placed = placed;
	}

	/**
	 * @return no reply (a simple upload's answer: the client is given no reply URL); the file is put at its destination
	 *         when the upload is closed
	 */
	public static UploadReply none() {
		return PLAIN;
	}

	/**
	 * @return the reply {@code data} (copied; empty is a reply too); the file is put at its destination when the upload
	 *         is closed
	 */
	public static UploadReply of(byte[] data) {
		return new UploadReply(data.clone(), true);
	}

	/**
	 * @return this reply, but the file is not put at its destination: the listener took what it needed, and closing
	 *         the upload deletes it
	 */
	public UploadReply withoutFile() {
		return new UploadReply(data, false);
	}

	/** @return the reply data (a copy; empty for none) */
	public byte[] data() {
		return data == null ? new byte[0] : data.clone();
	}

	/** @return whether this is a reply, even an empty one, rather than {@link #none()} */
	public boolean hasReply() {
		return data != null;
	}

	/** @return whether closing the upload puts the file at its destination */
	public boolean placed() {
		return placed;
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof UploadReply r && r.placed == placed && Arrays.equals(r.data, data) && r.hasReply() == hasReply();
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(data) * 31 + Boolean.hashCode(placed);
	}

	@Override
	public String toString() {
		return "UploadReply[" + (data == null ? "none" : data.length + " bytes") + (placed ? "" : ", without the file") + "]";
	}
}
