package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import bits.api.ErrorCodes;
import bits.api.TransferException;

/** SPEC §5: bad input gets a clear error naming the problem. */
class InputChecksTest {
	private static TransferException fails(Runnable call) {
		return assertThrows(TransferException.class, call::run);
	}

	@ParameterizedTest
	@ValueSource(strings = { "relative/path", "http:opaque", "http:///nohost", "file:/tmp/" })
	void malformedRemoteUrisAreRefused(String uri) {
		TransferException e = fails(() -> InputChecks.remote(URI.create(uri)));
		assertEquals(ErrorCodes.E_INVALIDARG, e.getCode());
		assertTrue(e.getMessage().contains(uri), e.getMessage());
	}

	@Test
	void unsupportedSchemeIsNamed() {
		TransferException e = fails(() -> InputChecks.remote(URI.create("ftp://host/file")));
		assertTrue(e.getMessage().contains("unsupported scheme 'ftp'"), e.getMessage());
	}

	@Test
	void aFragmentIsKeptForTheClient() { // e.g. the sha256 validator sample's expected digest
		URI uri = URI.create("https://h/x.iso#sha256=00ff");
		assertEquals(uri, InputChecks.remote(uri));
	}

	@Test
	void handlerIdsMustBeNonBlankWithoutWhiteSpace() { // N6: refused before anything is looked up
		assertEquals(ErrorCodes.E_INVALIDARG, fails(() -> InputChecks.handlerId(" ")).getCode());
		assertEquals(ErrorCodes.E_INVALIDARG, fails(() -> InputChecks.handlerId("a b")).getCode());
		assertEquals(ErrorCodes.BG_E_STRING_TOO_LONG, fails(() -> InputChecks.handlerId("h".repeat(257))).getCode());
		assertEquals("com.example.Handler", InputChecks.handlerId("com.example.Handler"));
		assertEquals(null, InputChecks.handlerId(null));
	}

	@Test
	void aHandlerIdMayNameAVersionRangeKeptAsGiven() { // H8
		assertEquals("com.example.Installer;version=[2,3)", InputChecks.handlerId("com.example.Installer;version=[2,3)"));
		HandlerSpec spec = HandlerSpec.parse("com.example.Installer;version=[2,3)");
		assertEquals("com.example.Installer", spec.id());
		assertTrue(spec.accepts(org.osgi.framework.Version.parseVersion("2.9.1")));
		assertTrue(!spec.accepts(org.osgi.framework.Version.parseVersion("3.0.0")));
		assertTrue(!spec.accepts(org.osgi.framework.Version.parseVersion("1.9")));
		assertTrue(HandlerSpec.parse("h;version=\"2.0\"").accepts(org.osgi.framework.Version.parseVersion("7")));
		assertTrue(HandlerSpec.parse("h").accepts(org.osgi.framework.Version.parseVersion("0.0.1")));
		for (String bad : new String[] { "h;version=[3,2)", "h;version=", "h;range=[1,2)", ";version=1", "h;version=x" }) {
			TransferException e = fails(() -> InputChecks.handlerId(bad));
			assertEquals(ErrorCodes.E_INVALIDARG, e.getCode(), bad);
			assertTrue(e.getMessage().contains(bad), e.getMessage());
		}
	}

	@Test
	void schemeIsLowerCased() {
		assertEquals(URI.create("https://Host/a"), InputChecks.remote(URI.create("HTTPS://Host/a")));
	}

	@Test
	void localPathMustBeAbsoluteAndNotEscape() {
		assertTrue(fails(() -> InputChecks.local(Path.of("dir/file"))).getMessage().contains("relative"));
		assertTrue(fails(() -> InputChecks.local(Path.of("/tmp/a/../../etc/passwd"))).getMessage().contains("'..'"));
		assertEquals(ErrorCodes.E_INVALIDARG, fails(() -> InputChecks.local(Path.of("/"))).getCode());
		assertEquals(Path.of("/tmp/a/b"), InputChecks.local(Path.of("/tmp/a/./b")));
	}

	@Test
	void nullsAreNamed() {
		assertTrue(fails(() -> InputChecks.remote(null)).getMessage().contains("remote URI is null"));
		assertTrue(fails(() -> InputChecks.local(null)).getMessage().contains("local path is null"));
		assertEquals(ErrorCodes.E_INVALIDARG, fails(() -> InputChecks.displayName(null)).getCode());
	}

	@Test
	void stringLimitsAreBitsLimits() {
		InputChecks.displayName("n".repeat(256));
		TransferException e = fails(() -> InputChecks.displayName("n".repeat(257)));
		assertEquals(ErrorCodes.BG_E_STRING_TOO_LONG, e.getCode());
		assertTrue(e.getMessage().contains("257"), e.getMessage());
		InputChecks.description("d".repeat(1024));
		assertEquals(ErrorCodes.BG_E_STRING_TOO_LONG, fails(() -> InputChecks.description("d".repeat(1025))).getCode());
	}

	@Test
	void customHeadersAreTokensWithoutLineBreaks() {
		Map<String, String> ok = new LinkedHashMap<>();
		ok.put("X-Token", "abc");
		assertEquals(ok, InputChecks.headers(ok));
		assertTrue(fails(() -> InputChecks.headers(Map.of("Bad Name", "v"))).getMessage().contains("not an HTTP token"));
		assertTrue(fails(() -> InputChecks.headers(Map.of("X", "a\r\nInjected: 1"))).getMessage().contains("line break"));
		assertEquals(ErrorCodes.BG_E_STRING_TOO_LONG, fails(() -> InputChecks.headers(Map.of("X", "v".repeat(16380)))).getCode());
	}
}
