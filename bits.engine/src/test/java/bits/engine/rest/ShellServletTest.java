package bits.engine.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The shell endpoint answers only on the engine's machine unless configured (beyond SPEC S2: it can run any command). */
class ShellServletTest {
	@Test
	void onlyLoopbackUnlessConfigured() {
		assertTrue(ShellServlet.fromAllowedAddress("127.0.0.1", false));
		assertTrue(ShellServlet.fromAllowedAddress("127.0.0.2", false));
		assertTrue(ShellServlet.fromAllowedAddress("::1", false));
		assertFalse(ShellServlet.fromAllowedAddress("192.168.1.20", false));
		assertFalse(ShellServlet.fromAllowedAddress("10.0.0.1", false));
		assertFalse(ShellServlet.fromAllowedAddress("2001:db8::1", false));
		assertTrue(ShellServlet.fromAllowedAddress("192.168.1.20", true));
	}
}
