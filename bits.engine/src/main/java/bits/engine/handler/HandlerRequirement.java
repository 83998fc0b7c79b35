package bits.engine.handler;

import java.util.Map;

import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;

import bits.api.TransferCallback;

/**
 * The requirement {@code bits.handler;filter:="(bits.handler=ID)"} (SPEC H1): the same object asks installed bundles
 * ({@code FrameworkWiring.findProviders}) and repository indexes which bundle provides a handler id.
 */
record HandlerRequirement(String id, Map<String, String> directives) implements Requirement {
	static final String NAMESPACE = TransferCallback.HANDLER_PROPERTY;

	HandlerRequirement(String id) {
		this(id, Map.of(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "(" + NAMESPACE + "=" + escape(id) + ")"));
	}

	@Override
	public String getNamespace() {
		return NAMESPACE;
	}

	@Override
	public Map<String, String> getDirectives() {
		return directives;
	}

	@Override
	public Map<String, Object> getAttributes() {
		return Map.of();
	}

	@Override
	public Resource getResource() {
		return null;
	}

	/** RFC 1960 escaping of a filter value. */
	private static String escape(String value) {
		StringBuilder b = new StringBuilder(value.length());
		for (char c : value.toCharArray()) {
			if (c == '\\' || c == '*' || c == '(' || c == ')') {
				b.append('\\');
			}
			b.append(c);
		}
		return b.toString();
	}
}
