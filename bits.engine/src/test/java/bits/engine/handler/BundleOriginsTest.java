package bits.engine.handler;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;

import org.junit.jupiter.api.Test;

/** Where an index's bundles may come from: its own origin, or a configured root (security: bundle URLs). */
class BundleOriginsTest {
	private static final URI HTTPS_INDEX = URI.create("https://repo.example:443/bits/index.xml");
	private final BundleOrigins none = new BundleOrigins(new String[0]);

	@Test
	void aBundleUnderTheIndexsOriginIsAllowed() {
		assertNull(none.refusal(HTTPS_INDEX, URI.create("https://repo.example/bits/bundles/a.jar"))); // 443 is https's default
		assertNull(none.refusal(URI.create("file:///srv/repo/index.xml"), URI.create("file:/srv/repo/bundles/a.jar")));
	}

	@Test
	void anotherSchemeHostPortOrDirectoryIsRefused() {
		assertNotNull(none.refusal(HTTPS_INDEX, URI.create("http://repo.example/bits/bundles/a.jar"))); // never down to http
		assertNotNull(none.refusal(HTTPS_INDEX, URI.create("https://evil.example/bits/a.jar")));
		assertNotNull(none.refusal(HTTPS_INDEX, URI.create("https://repo.example:8443/bits/a.jar")));
		assertNotNull(none.refusal(HTTPS_INDEX, URI.create("https://repo.example/other/a.jar")));
		assertNotNull(none.refusal(HTTPS_INDEX, URI.create("https://repo.example/bits/../other/a.jar")));
		assertNotNull(none.refusal(URI.create("file:///srv/repo/index.xml"), URI.create("file:///srv/other/a.jar")));
		assertNotNull(none.refusal(URI.create("file:///srv/repo/index.xml"), URI.create("https://repo.example/a.jar")));
	}

	@Test
	void aConfiguredRootAllowsItsDirectoryOnlyNotEveryStringWithItsPrefix() {
		BundleOrigins roots = new BundleOrigins(new String[] { "https://cdn.example/bits" });
		assertNull(roots.refusal(HTTPS_INDEX, URI.create("https://cdn.example/bits/a.jar")));
		assertNotNull(roots.refusal(HTTPS_INDEX, URI.create("https://cdn.example/bits-evil/a.jar")));
		assertNotNull(roots.refusal(HTTPS_INDEX, URI.create("https://cdn.example.evil/bits/a.jar")));
	}
}
