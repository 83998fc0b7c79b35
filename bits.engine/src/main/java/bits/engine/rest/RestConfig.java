package bits.engine.rest;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The REST API's settings; where it listens is Felix HTTP's (org.apache.felix.http: host, org.osgi.service.http.port). */
@ObjectClassDefinition(id = RestConfig.PID, name = "bits REST API", description = "The engine's management API over HTTP (JSON)")
public @interface RestConfig {
	String PID = "bits.rest";

	@AttributeDefinition(name = "Largest request body (bytes)", description = "A request with a larger body is refused with 413")
	int max_body_bytes() default 1_048_576;

	@AttributeDefinition(name = "Most event streams", description = "Open event streams at once; one more is refused with 503")
	int max_streams() default 32;

	@AttributeDefinition(name = "Shell from other machines", description = "Whether POST /shell (any Gogo command, admin token only)"
			+ " answers requests that do not come from loopback")
	boolean shell_remote() default false;
}
