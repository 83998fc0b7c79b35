package bits.engine.itest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Self-signed certificates for the TLS tests, made once per test JVM with openssl: one the engine is configured to
 * trust (its per-engine trust store), and one nobody trusts.
 */
final class Tls {
	static final String PASSWORD = "changeit";
	private static Path dir;

	private Tls() {
	}

	static synchronized Path dir() throws Exception {
		if (dir == null) {
			Path d = Files.createTempDirectory("bits-itest-tls");
			for (String name : List.of("trusted", "untrusted")) {
				Nginx.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d.resolve(name + ".key").toString(),
						"-out", d.resolve(name + ".pem").toString(), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
						"subjectAltName=IP:127.0.0.1"));
			}
			Nginx.run(List.of("keytool", "-importcert", "-noprompt", "-alias", "bits-itest", "-file", d.resolve("trusted.pem").toString(),
					"-keystore", d.resolve("trust.p12").toString(), "-storetype", "PKCS12", "-storepass", PASSWORD));
			dir = d;
		}
		return dir;
	}

	static Path trustStore() throws Exception {
		return dir().resolve("trust.p12");
	}
}
