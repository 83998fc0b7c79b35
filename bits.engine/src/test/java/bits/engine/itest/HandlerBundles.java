package bits.engine.itest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import bits.engine.itest.versioned.VersionedHandler;

/**
 * Builds handler bundles at test time, in any version and build, and writes repository indexes listing them with their
 * SHA-256 (SPEC H7-H9). Each bundle holds {@link VersionedHandler} as a DS component providing one handler id.
 */
final class HandlerBundles {
	/** A bundle: its symbolic name, version, build mark (so that two builds of one version differ) and handler id. */
	record Entry(String name, String version, String build, String id) {
		String file() {
			return name + "-" + version + ".jar";
		}
	}

	private HandlerBundles() {
	}

	static byte[] jar(Entry e) throws IOException {
		Manifest manifest = new Manifest();
		Attributes main = manifest.getMainAttributes();
		main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
		main.putValue("Bundle-ManifestVersion", "2");
		main.putValue("Bundle-SymbolicName", e.name());
		main.putValue("Bundle-Version", e.version());
		main.putValue("X-Build", e.build());
		main.putValue("Import-Package", "bits.api, org.osgi.framework");
		main.putValue("Service-Component", "OSGI-INF/handler.xml");
		main.putValue("Provide-Capability", "bits.handler;bits.handler=\"" + e.id() + "\"");
		String component = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				+ "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + e.id() + "\">\n"
				+ "  <implementation class=\"" + VersionedHandler.class.getName() + "\"/>\n"
				+ "  <service><provide interface=\"bits.api.TransferCallback\"/></service>\n"
				+ "  <property name=\"bits.handler\" type=\"String\" value=\"" + e.id() + "\"/>\n"
				+ "</scr:component>\n";
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
			jar.putNextEntry(new JarEntry("OSGI-INF/handler.xml"));
			jar.write(component.getBytes(StandardCharsets.UTF_8));
			String path = VersionedHandler.class.getName().replace('.', '/') + ".class";
			jar.putNextEntry(new JarEntry(path));
			try (InputStream in = VersionedHandler.class.getClassLoader().getResourceAsStream(path)) {
				in.transferTo(jar);
			}
		}
		return bytes.toByteArray();
	}

	/**
	 * Writes the bundles to {@code repo/bundles} and an index of exactly these to {@code repo/index.xml}, replacing the
	 * index file as a build tool does (a new file moved over the old one).
	 *
	 * @return the index
	 */
	static Path repository(Path repo, List<Entry> entries) throws Exception {
		Path bundles = Files.createDirectories(repo.resolve("bundles"));
		StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				+ "<repository xmlns=\"http://www.osgi.org/xmlns/repository/v1.0.0\" name=\"itest\" increment=\"" + System.nanoTime() + "\">\n");
		for (Entry e : entries) {
			byte[] jar = jar(e);
			Files.write(bundles.resolve(e.file()), jar);
			xml.append("  <resource>\n")
					.append("    <capability namespace=\"osgi.identity\">\n")
					.append("      <attribute name=\"osgi.identity\" value=\"").append(e.name()).append("\"/>\n")
					.append("      <attribute name=\"type\" value=\"osgi.bundle\"/>\n")
					.append("      <attribute name=\"version\" type=\"Version\" value=\"").append(e.version()).append("\"/>\n")
					.append("    </capability>\n")
					.append("    <capability namespace=\"osgi.content\">\n")
					.append("      <attribute name=\"osgi.content\" value=\"").append(Engine.sha256(jar)).append("\"/>\n")
					.append("      <attribute name=\"url\" value=\"bundles/").append(e.file()).append("\"/>\n")
					.append("      <attribute name=\"size\" type=\"Long\" value=\"").append(jar.length).append("\"/>\n")
					.append("      <attribute name=\"mime\" value=\"application/vnd.osgi.bundle\"/>\n")
					.append("    </capability>\n")
					.append("    <capability namespace=\"bits.handler\">\n")
					.append("      <attribute name=\"bits.handler\" value=\"").append(e.id()).append("\"/>\n")
					.append("    </capability>\n")
					.append("    <requirement namespace=\"osgi.wiring.package\">\n")
					.append("      <directive name=\"filter\" value=\"(osgi.wiring.package=bits.api)\"/>\n")
					.append("    </requirement>\n")
					.append("  </resource>\n");
		}
		xml.append("</repository>\n");
		Path index = repo.resolve("index.xml");
		Path next = repo.resolve("index.xml.new");
		Files.writeString(next, xml);
		Files.move(next, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		return index;
	}
}
