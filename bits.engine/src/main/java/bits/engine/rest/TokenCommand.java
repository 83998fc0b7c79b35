package bits.engine.rest;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code bits:apitoken OWNER}: a new API token acting as OWNER (SPEC S2). */
@Component(service = TokenCommand.class, property = { "osgi.command.scope=bits", "osgi.command.function=apitoken" })
public class TokenCommand {
	@Reference
	private ApiTokens tokens;

	@Descriptor("add a REST API token acting as an owner (its jobs are that owner's) and print it; the owner * is the admin")
	public String apitoken(@Descriptor("owner") String owner) {
		return tokens.add(owner);
	}
}
