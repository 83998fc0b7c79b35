package bits.engine.itest;

import static bits.engine.itest.Engine.awaitState;
import static bits.engine.itest.Engine.randomBytes;
import static bits.engine.itest.Engine.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import bits.api.AuthScheme;
import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ErrorCodes;
import bits.api.JobPriority;
import bits.api.JobState;
import bits.api.ProxySettings;
import bits.api.ProxyUsage;
import bits.api.TransferJob;

/** Custom headers, basic credentials and explicit proxy settings reach a real nginx. */
class RequestOptionsIT extends WithNginx {
	static byte[] a = randomBytes(1 << 20, 5);

	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/a.bin"), a);
	}

	private static TransferJob job(String name, String path) throws Exception {
		TransferJob job = manager.createJob(name);
		job.setPriority(JobPriority.FOREGROUND);
		job.addFile(nginx.uri(path), dest(name));
		return job;
	}

	@Test
	void credentialsAndCustomHeadersAreSent() throws Exception {
		TransferJob none = job("no-credentials", "/auth/a.bin");
		none.resume();
		awaitState(none, JobState.ERROR);
		assertEquals(ErrorCodes.httpError(401), none.getError().orElseThrow().code());

		TransferJob job = job("credentials", "/auth/a.bin");
		job.setCredentials(new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "s3cret"));
		job.setCustomHeaders(Map.of("X-Bits-Token", "t0ken"));
		job.setPlainHttpAuthenticationAllowed(true); // this server speaks plain http (HardeningIT: not sent otherwise)
		assertTrue(job.hasCredentials(AuthTarget.SERVER));
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		job.complete();
		assertEquals(sha256(a), sha256(tmp.resolve("out/credentials")));
	}

	@Test
	void anExplicitProxyIsUsed() throws Exception {
		TransferJob job = job("proxied", "/files/a.bin");
		job.setProxySettings(new ProxySettings(ProxyUsage.OVERRIDE, List.of("127.0.0.1:" + nginx.proxyPort), List.of()));
		job.resume();
		awaitState(job, JobState.TRANSFERRED);
		List<String> proxied = Files.readAllLines(nginx.prefix.resolve("proxy.log"));
		assertTrue(proxied.stream().anyMatch(l -> l.startsWith("/files/a.bin 200")), "went through the proxy: " + proxied);

		TransferJob direct = job("direct", "/files/a.bin");
		direct.setProxySettings(ProxySettings.NO_PROXY);
		int before = Files.readAllLines(nginx.prefix.resolve("proxy.log")).size();
		direct.resume();
		awaitState(direct, JobState.TRANSFERRED);
		assertEquals(before, Files.readAllLines(nginx.prefix.resolve("proxy.log")).size(), "NO_PROXY goes direct");
		assertFalse(direct.getProxySettings().usage() == ProxyUsage.OVERRIDE);
	}
}
