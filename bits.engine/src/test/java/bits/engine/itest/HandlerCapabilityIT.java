package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.util.tracker.ServiceTracker;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import bits.api.TransferCallback;

/**
 * SPEC H1: one {@code @BitsHandler} annotation yields both the {@code bits.handler} capability, which the samples'
 * repository index lists, and the {@code bits.handler} service property.
 */
@ExtendWith(BundleContextExtension.class)
class HandlerCapabilityIT {
	private static final String ID = "bits.samples.logging";

	@InjectBundleContext
	BundleContext context;

	@Test
	void indexListsTheHandlerCapabilityAndTheBundleProvidesIt() throws Exception {
		Path index = Path.of(context.getProperty("bits.samples.index"));
		Map<String, String> resource = findResource(index, TransferCallback.HANDLER_PROPERTY, ID);
		assertNotNull(resource.get("url"), "osgi.content url of the resource providing " + ID);

		URI jar = index.toUri().resolve(resource.get("url"));
		byte[] bytes = Files.readAllBytes(Path.of(jar));
		String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		assertEquals(resource.get("osgi.content").toLowerCase(), sha, "the index's SHA-256 matches the bundle");

		Bundle samples;
		try (InputStream in = Files.newInputStream(Path.of(jar))) {
			samples = context.installBundle(jar.toString(), in);
		}
		try {
			List<BundleCapability> caps = samples.adapt(BundleRevision.class).getDeclaredCapabilities(TransferCallback.HANDLER_PROPERTY);
			assertEquals(1, caps.size(), caps.toString());
			assertEquals(ID, caps.get(0).getAttributes().get(TransferCallback.HANDLER_PROPERTY));

			samples.start();
			ServiceTracker<TransferCallback, TransferCallback> tracker = new ServiceTracker<>(context,
					context.createFilter("(&(objectClass=" + TransferCallback.class.getName() + ")(" + TransferCallback.HANDLER_PROPERTY + "=" + ID + "))"),
					null);
			tracker.open();
			try {
				assertNotNull(tracker.waitForService(30_000), "a TransferCallback service with bits.handler=" + ID);
				assertTrue(tracker.getServiceReference().getBundle().equals(samples));
			} finally {
				tracker.close();
			}
		} finally {
			samples.uninstall();
		}
	}

	/** The osgi.content attributes of the index resource whose capability in {@code namespace} has attribute = value. */
	private static Map<String, String> findResource(Path index, String namespace, String value) throws Exception {
		Document doc = DocumentBuilderFactory.newDefaultNSInstance().newDocumentBuilder().parse(index.toFile());
		NodeList resources = doc.getElementsByTagNameNS("*", "resource");
		for (int i = 0; i < resources.getLength(); i++) {
			Element res = (Element) resources.item(i);
			Map<String, Map<String, String>> caps = new HashMap<>();
			NodeList capabilities = res.getElementsByTagNameNS("*", "capability");
			for (int c = 0; c < capabilities.getLength(); c++) {
				Element cap = (Element) capabilities.item(c);
				Map<String, String> attrs = new HashMap<>();
				NodeList attributes = cap.getElementsByTagNameNS("*", "attribute");
				for (int a = 0; a < attributes.getLength(); a++) {
					Element attr = (Element) attributes.item(a);
					attrs.put(attr.getAttribute("name"), attr.getAttribute("value"));
				}
				caps.put(cap.getAttribute("namespace"), attrs);
			}
			if (caps.containsKey(namespace) && value.equals(caps.get(namespace).get(namespace))) {
				return caps.get("osgi.content");
			}
		}
		throw new AssertionError("no resource in " + index + " has a " + namespace + "=" + value + " capability");
	}
}
