package bits.engine.itest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/** Installs empty bundles, so that a test can act as a second owner (or registrant of services). */
final class TestBundles {
	private TestBundles() {
	}

	/** Installs and starts an empty bundle with the given symbolic name. */
	static Bundle installEmpty(BundleContext context, String symbolicName) throws IOException, BundleException {
		return installEmpty(context, symbolicName, null);
	}

	/**
	 * As {@link #installEmpty(BundleContext, String)}, importing the API, so that the test can register services such as
	 * a {@code TransferCallback} through the bundle's context, as that bundle.
	 */
	static Bundle installImportingApi(BundleContext context, String symbolicName) throws IOException, BundleException {
		return installEmpty(context, symbolicName, "bits.api");
	}

	private static Bundle installEmpty(BundleContext context, String symbolicName, String imports) throws IOException, BundleException {
		Manifest manifest = new Manifest();
		Attributes main = manifest.getMainAttributes();
		main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
		main.putValue("Bundle-ManifestVersion", "2");
		main.putValue("Bundle-SymbolicName", symbolicName);
		main.putValue("Bundle-Version", "1.0.0");
		if (imports != null) {
			main.putValue("Import-Package", imports);
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
			// a manifest is all an owner needs
		}
		Bundle bundle = context.installBundle("test:" + symbolicName, new ByteArrayInputStream(bytes.toByteArray()));
		bundle.start();
		return bundle;
	}
}
