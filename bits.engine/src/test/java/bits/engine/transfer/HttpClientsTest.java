package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import bits.api.ProxySettings;

/** The engine's HTTP clients end their threads when the engine stops: a thread left in the kernel delays the JVM's exit. */
class HttpClientsTest {
	@Test
	void closeEndsTheSelectorThreadOfEveryClient() throws Exception {
		ExecutorService executor = Executors.newCachedThreadPool();
		try {
			HttpClients clients = new HttpClients(executor, Duration.ofSeconds(5), "", "");
			HttpClient client = clients.client(ProxySettings.NO_PROXY);
			Thread selector = selector(client).orElse(null);
			if (HttpClients.selectorThread(client.toString()) != null) { // JDK 17's client: its thread is found by name
				assertNotNull(selector, "no thread named after " + client);
				assertTrue(selector.isAlive());
			}
			clients.close();
			if (selector != null) {
				selector.join(10_000);
				assertFalse(selector.isAlive(), selector.getName() + " still runs after close()");
			}
		} finally {
			executor.shutdownNow();
		}
	}

	@Test
	void theSelectorThreadIsNamedAfterTheClientsId() {
		assertEquals("HttpClient-12-SelectorManager", HttpClients.selectorThread("jdk.internal.net.http.HttpClientImpl@1b2c3d(12)"));
		assertNull(HttpClients.selectorThread("jdk.internal.net.http.HttpClientImpl@1b2c3d"));
		assertNull(HttpClients.selectorThread("some client (x)"));
		assertNull(HttpClients.selectorThread("some client ()"));
	}

	private static Optional<Thread> selector(HttpClient client) {
		String name = HttpClients.selectorThread(client.toString());
		return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
	}
}
