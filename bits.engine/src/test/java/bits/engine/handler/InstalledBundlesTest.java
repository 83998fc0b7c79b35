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
		return bundle(location, id, Version.parseVersion("1.0.0"));
	}

	private static Bundle bundle(String location, long id, Version version) {
		return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] { Bundle.class },
				(proxy, method, args) -> switch (method.getName()) {
				case "getLocation" -> location;
				case "getBundleId" -> id;
				case "getVersion" -> version;
				default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	private static Logger logger() {
		return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class }, (proxy, method, args) -> null);
	}

	private static final String LOCATION = "file:/repo/h.jar";
	private static final Version V1 = Version.parseVersion("1.0.0");

	@Test
	void aBundleInstalledByAnEngineThatDiedBeforeRecordingItIsTheEnginesAfterTheRestart(@TempDir Path dir) { // J7, H7
		Path file = dir.resolve("handlers.properties");
		new InstalledBundles(file, logger()).installing(LOCATION, 41, "ab12", V1, "file:/repo/index.xml");
		// killed here: the framework has the bundle (id 42), the record only the intent; the restart decides it
		InstalledBundles restarted = new InstalledBundles(file, logger());
		restarted.settle(location -> bundle(location, 42));
		assertTrue(restarted.contains(bundle(LOCATION, 42)));
		assertEquals(new Installed(42, "ab12", V1, "file:/repo/index.xml", 0), new InstalledBundles(file, logger()).get(bundle(LOCATION, 42)),
				"and recorded as such");
	}

	@Test
	void anIntentIsDecidedOnceAtTheStartAndNeverMakesALaterBundleTheEngines(@TempDir Path dir) { // H7: trust
		Path file = dir.resolve("handlers.properties");
		new InstalledBundles(file, logger()).installing(LOCATION, 41, "ab12", V1, null);
		InstalledBundles restarted = new InstalledBundles(file, logger());
		restarted.settle(location -> null); // the crash came before the framework installed anything
		assertFalse(restarted.contains(bundle(LOCATION, 43)), "a bundle installed there later by someone else");

		new InstalledBundles(file, logger()).installing(LOCATION, 41, "ab12", V1, null);
		InstalledBundles other = new InstalledBundles(file, logger());
		other.settle(location -> bundle(location, 41)); // there before the install: not the engine's
		assertFalse(other.contains(bundle(LOCATION, 41)));

		new InstalledBundles(file, logger()).installing(LOCATION, 41, "ab12", V1, null);
		InstalledBundles another = new InstalledBundles(file, logger());
		another.settle(location -> bundle(location, 42, Version.parseVersion("2.0.0"))); // not the version the engine installed
		assertFalse(another.contains(bundle(LOCATION, 42, Version.parseVersion("2.0.0"))));
	}

	@Test
	void anInstallNeverReplacesTheRecordOfABundleTheEngineHasThere(@TempDir Path dir) {
		Path file = dir.resolve("handlers.properties");
		InstalledBundles record = new InstalledBundles(file, logger());
		record.add(bundle(LOCATION, 7), "ab12", V1, null);
		record.installing(LOCATION, 41, "cd34", V1, null);
		record.notInstalled(LOCATION);
		assertTrue(new InstalledBundles(file, logger()).contains(bundle(LOCATION, 7)));
	}

	@Test
	void aFailedInstallLeavesNoIntent(@TempDir Path dir) {
		Path file = dir.resolve("handlers.properties");
		InstalledBundles record = new InstalledBundles(file, logger());
		record.installing(LOCATION, 41, "ab12", null, null);
		record.notInstalled(LOCATION);
		InstalledBundles restarted = new InstalledBundles(file, logger());
		restarted.settle(location -> bundle(location, 42));
		assertFalse(restarted.contains(bundle(LOCATION, 42)));
	}
}
