package bits.engine.handler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.utils.repository.StaxParser;
import org.apache.felix.utils.resource.CapabilitySet;
import org.osgi.framework.Version;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.resource.Capability;
import org.osgi.resource.Requirement;
import org.osgi.resource.Resource;
import org.osgi.service.repository.ContentNamespace;

/**
 * One OSGi repository index (Compendium ch. 132 XML, as bnd's indexer writes it), read with Felix's StAX parser,
 * which resolves relative content URLs against the index's own URL.
 */
final class RepositoryIndex {
	/** Where a resource's bundle is and what its bytes must hash to. */
	record Content(URI url, String sha256, long size) {
	}

	private final URI uri;
	private final List<Resource> resources;

	private RepositoryIndex(URI uri, List<Resource> resources) {
		this.uri = uri;
		this.resources = resources;
	}

	/**
	 * Reads the index whole (bounded), checks it against its pin, if any, and only then parses it.
	 *
	 * @param sha256 the pinned SHA-256 of the index file, or {@code null}
	 */
	static RepositoryIndex load(URI uri, String sha256, Download download) throws IOException {
		byte[] bytes = download.fetch(uri);
		if (sha256 != null) {
			String actual = Provisioner.sha256(bytes);
			if (!actual.equalsIgnoreCase(sha256)) {
				throw new IOException("repository index " + uri + " has SHA-256 " + actual + " but its configuration pins " + sha256
						+ "; refused");
			}
		}
		try (InputStream in = new ByteArrayInputStream(bytes)) {
			return new RepositoryIndex(uri, List.copyOf(StaxParser.parse(uri, in).resources));
		} catch (javax.xml.stream.XMLStreamException e) {
			throw new IOException("repository index " + uri + " is not valid: " + e.getMessage(), e);
		}
	}

	URI uri() {
		return uri;
	}

	List<Resource> resources() {
		return resources;
	}

	/** @return the capabilities of this index that satisfy the requirement */
	List<Capability> providers(Requirement requirement) {
		List<Capability> found = new ArrayList<>();
		for (Resource r : resources) {
			for (Capability c : r.getCapabilities(requirement.getNamespace())) {
				if (CapabilitySet.matches(c, requirement)) {
					found.add(c);
				}
			}
		}
		return found;
	}

	/** @return the resource's content; an index entry without a URL and SHA-256 cannot be installed */
	static Content content(Resource r) {
		for (Capability c : r.getCapabilities(ContentNamespace.CONTENT_NAMESPACE)) {
			Map<String, Object> a = c.getAttributes();
			Object url = a.get(ContentNamespace.CAPABILITY_URL_ATTRIBUTE);
			Object sha = a.get(ContentNamespace.CONTENT_NAMESPACE);
			Object size = a.get(ContentNamespace.CAPABILITY_SIZE_ATTRIBUTE);
			if (url != null && sha != null) {
				return new Content(URI.create(url.toString()), sha.toString(), size instanceof Number n ? n.longValue() : -1);
			}
		}
		return null;
	}

	/** @return the resource's symbolic name and version, as "name version" */
	static String identity(Resource r) {
		for (Capability c : r.getCapabilities(IdentityNamespace.IDENTITY_NAMESPACE)) {
			Object version = c.getAttributes().get(IdentityNamespace.CAPABILITY_VERSION_ATTRIBUTE);
			return c.getAttributes().get(IdentityNamespace.IDENTITY_NAMESPACE) + " "
					+ (version == null ? Version.emptyVersion : version);
		}
		return "?";
	}

	static Version version(Resource r) {
		for (Capability c : r.getCapabilities(IdentityNamespace.IDENTITY_NAMESPACE)) {
			Object v = c.getAttributes().get(IdentityNamespace.CAPABILITY_VERSION_ATTRIBUTE);
			return v instanceof Version version ? version : v == null ? Version.emptyVersion : Version.parseVersion(v.toString());
		}
		return Version.emptyVersion;
	}
}
