package bits.engine.upload;

import java.util.Map;

/**
 * An upload session as stored beside its data: what the server knows of one resumable upload.
 *
 * @param id the session's id, as the protocol names it to the client
 * @param protocol {@code bits} or {@code tus}
 * @param name the destination, relative to the endpoint's directory
 * @param owner whom the session belongs to (the authenticated caller)
 * @param length the upload's total length, or -1 while the client has not said
 * @param received the bytes received, from the start of the file; in the record on disk, the bytes synced
 * @param created when the session was created, in ms since the epoch
 * @param touched when the session last processed a request, in ms since the epoch (it expires from there)
 * @param dataKey the identity of the data file the server created (see {@code TemporaryFiles})
 * @param metadata what the client attached to the upload (tus {@code Upload-Metadata}), never interpreted as a path
 * @param answered whether the endpoint's listener has answered the whole upload
 * @param reply whether the answer has reply data, stored beside the session's data
 * @param placed whether closing puts the file at its destination (the answer may keep it from there)
 * @param replyUrl where the client downloads the reply when the server application named it
 *        ({@code BITS-Static-Response-URL}), or {@code null}: the endpoint serves the stored reply
 */
public record SessionRecord(String id, String protocol, String name, String owner, long length, long received, long created, long touched,
		String dataKey, Map<String, String> metadata, boolean answered, boolean reply, boolean placed, String replyUrl) {
	public SessionRecord {
		metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
	}

	/** @return whether every byte of a known length was received */
	public boolean whole() {
		return length >= 0 && received == length;
	}

	SessionRecord with(long newLength, long newReceived, long now) {
		return new SessionRecord(id, protocol, name, owner, newLength, newReceived, created, now, dataKey, metadata, answered, reply, placed, replyUrl);
	}

	SessionRecord answered(boolean withReply, boolean put, String url, long now) {
		return new SessionRecord(id, protocol, name, owner, length, received, created, now, dataKey, metadata, true, withReply, put, url);
	}
}
