package bits.engine.rest;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import bits.engine.shell.Usage;

/** {@code bits:apitoken OWNER}: a new API token acting as OWNER (SPEC S2). */
@Component(service = TokenCommand.class, property = { "osgi.command.scope=bits", "osgi.command.function=apitoken" })
public class TokenCommand {
	@Reference
	private ApiTokens tokens;

	@Descriptor("add a REST API token acting as an owner (its jobs are that owner's) and print it; the owner * is the admin")
	public String apitoken(@Descriptor("owner") String owner) {
		return Usage.helped(this, "apitoken", owner) ? null : tokens.add(owner);
	}

	/** Gogo's fallback when no method of a function takes the words (argv[0] is the function): see {@link Usage}. */
	public String _main(Object... argv) {
		return Usage.fallback(this, argv);
	}
}
