package bits.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives what clients upload to the engine's upload endpoints (the OSGi form of a BITS server's notification URL):
 * register it as a service, and the engine calls it once a file has been uploaded whole, before the client closes the
 * upload. What it returns is the reply a BITS upload-reply client downloads; it may also keep the file from being put
 * at its destination.
 * <p>
 * The service property {@value #ENDPOINT} names the endpoints whose uploads it receives (the endpoint's {@code name}
 * setting); without it, it receives every endpoint's. Where several services match, the one with the highest service
 * ranking is called.
 * <p>
 * A call that throws refuses the upload for now: the client is told the server application failed, the file stays
 * whole on the server, and the engine calls again when the client retries. Delivery is therefore at least once: be
 * idempotent.
 */
@ConsumerType
public interface UploadListener {
	/** The service property naming the endpoints (one name or several) a listener receives uploads from. */
	String ENDPOINT = "bits.upload.endpoint";

	/**
	 * A file was uploaded whole.
	 *
	 * @param upload the upload; its {@link Upload#file() file} can be read during this call
	 * @return the reply, or {@link UploadReply#none()}
	 * @throws Exception to refuse the upload for now (the client may retry)
	 */
	UploadReply uploaded(Upload upload) throws Exception;
}
