package bits.engine.upload;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One upload endpoint (factory PID {@value #PID}: one configuration per endpoint, e.g. {@code bits.upload~reports}):
 * the settings of a BITS upload virtual directory.
 */
@ObjectClassDefinition(id = UploadEndpointConfig.PID, name = "bits upload endpoint",
		description = "Receives files uploaded with the BITS upload protocol (BITS_POST) into a directory")
public @interface UploadEndpointConfig {
	String PID = "bits.upload";

	@AttributeDefinition(name = "Name", description = "The endpoint's name, which upload listeners select it by (service property bits.upload.endpoint)")
	String name() default "upload";

	@AttributeDefinition(name = "Path", description = "Where the endpoint answers on the HTTP service; an upload's URL is PATH/NAME")
	String path() default "/bits/upload";

	@AttributeDefinition(name = "Directory", description = "Where uploaded files are put (it must exist); the sessions are kept in its"
			+ " directory " + UploadSessions.AREA)
	String directory();

	@AttributeDefinition(name = "Enabled", description = "Whether the endpoint takes uploads (BITSUploadEnabled); a disabled one answers 501")
	boolean enabled() default true;

	@AttributeDefinition(name = "Largest upload (bytes)", description = "0 for no limit")
	long max_bytes() default 0;

	@AttributeDefinition(name = "Session timeout (seconds)", description = "A session without a request for this long is dropped, with its data")
	long session_timeout_seconds() default 14L * 24 * 3600;

	@AttributeDefinition(name = "Overwrite", description = "Whether an upload replaces a file of the same name (else it is refused with 403)")
	boolean overwrite() default false;

	@AttributeDefinition(name = "Sessions per owner", description = "Open upload sessions one owner may have; one more is refused with 503")
	int sessions_per_owner() default 100;

	@AttributeDefinition(name = "Host id", description = "BITS-Host-Id: the host clients send their later requests to (a server farm's own name), or empty")
	String host_id() default "";

	@AttributeDefinition(name = "Host id fallback timeout (seconds)", description = "BITS-Host-Id-Fallback-Timeout, sent with the host id; 0 for none")
	long host_id_fallback_timeout_seconds() default 0;

	@AttributeDefinition(name = "Notification URL", description = "A server application outside OSGi that receives each whole upload"
			+ " (BITSServerNotificationURL), when no upload listener service takes it; empty for none")
	String notification_url() default "";

	@AttributeDefinition(name = "Notification type", description = "body: the file in the POST's body; reference: its path"
			+ " (BITSServerNotificationType 2 and 1)", options = { @Option(label = "in the body", value = "body"),
					@Option(label = "by reference", value = "reference") })
	String notification_type() default "body";

	@AttributeDefinition(name = "Notification timeout (seconds)", description = "How long the application may take to answer")
	long notification_timeout_seconds() default 300;
}
