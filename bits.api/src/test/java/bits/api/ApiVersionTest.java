package bits.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The API bundle's version says what it holds: it is the version of the package it exports, so a plugin author's
 * dependency {@code bits.api:1.4.0} and the import range {@code [1.3,2)} bnd computes name the same thing.
 */
class ApiVersionTest {
	@Test
	void theArtifactVersionIsThePackageVersion() throws Exception {
		String source = Files.readString(Path.of("src/main/java/bits/api/package-info.java"));
		Matcher m = Pattern.compile("@org\\.osgi\\.annotation\\.versioning\\.Version\\(\"([0-9.]+)\"\\)").matcher(source);
		assertTrue(m.find(), "package-info.java has no @Version");
		assertEquals(m.group(1), System.getProperty("bits.api.artifact.version"),
				"bits.api's <version> in its pom (and bits.api.version in the parent pom) must follow package bits.api's @Version");
	}
}
