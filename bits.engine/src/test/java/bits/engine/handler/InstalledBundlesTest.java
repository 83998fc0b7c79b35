package bits.engine.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;

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
}
