package bits.engine.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Version;
import org.osgi.service.log.Logger;

import bits.engine.handler.InstalledBundles.Installed;

/** SPEC H7: the engine records, per bundle it installed, the bundle id, SHA-256, version and repository it came from. */
class InstalledBundlesTest {
	@Test
	void aRecordKeepsWhatWasInstalledAndFromWhere() {
		Installed i = new Installed(42, "ab12", Version.parseVersion("1.0.1"), "file:/opt/handlers/index.xml", 1_700_000_000_000L);
		assertEquals("42 ab12 1.0.1 file:/opt/handlers/index.xml 1700000000000", i.format());
		assertEquals(i, Installed.parse(i.format()));
	}

	@Test
	void aRecordOfAnEarlierReleaseHasNoVersionOrRepositoryAndABadOneIsNone() {
		Installed old = Installed.parse("42 ab12");
		assertEquals(42, old.bundleId());
		assertEquals("ab12", old.sha256());
		assertNull(old.version(), "unknown: the next index reading decides");
		assertNull(old.repository());
		assertEquals(0, old.idleSince());
		assertNull(Installed.parse("not-a-number ab12"));
	}

	private static Bundle bundle(String location, long id) {
		return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] { Bundle.class },
				(proxy, method, args) -> switch (method.getName()) {
				case "getLocation" -> location;
				case "getBundleId" -> id;
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	private static Logger logger() {
		return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class }, (proxy, method, args) -> null);
	}

	@Test
	void aBundleInstalledByAnEngineThatDiedBeforeRecordingItIsTheEnginesAfterTheRestart(@TempDir Path dir) { // J7, H7
		Path file = dir.resolve("handlers.properties");
		String location = "file:/repo/h.jar";
		new InstalledBundles(file, logger()).installing(location, 41, "ab12", Version.parseVersion("1.0.0"), "file:/repo/index.xml");
		// killed here: the framework has the bundle (id 42), the record only the intent
		InstalledBundles restarted = new InstalledBundles(file, logger());
		assertFalse(restarted.contains(bundle(location, 41)), "a bundle there before the install is not the engine's");
		assertTrue(restarted.contains(bundle(location, 42)));
		Installed adopted = new InstalledBundles(file, logger()).get(bundle(location, 42));
		assertEquals(new Installed(42, "ab12", Version.parseVersion("1.0.0"), "file:/repo/index.xml", 0), adopted, "and recorded as such");
	}

	@Test
	void aFailedInstallLeavesNoIntent(@TempDir Path dir) {
		Path file = dir.resolve("handlers.properties");
		InstalledBundles record = new InstalledBundles(file, logger());
		record.installing("file:/repo/h.jar", 41, "ab12", null, null);
		record.notInstalled("file:/repo/h.jar");
		assertFalse(new InstalledBundles(file, logger()).contains(bundle("file:/repo/h.jar", 42)));
	}
}
