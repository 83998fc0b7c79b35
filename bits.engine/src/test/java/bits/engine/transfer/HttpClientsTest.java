package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import bits.api.ProxySettings;

/** The engine's HTTP clients end their threads when the engine stops: a thread left in the kernel delays the JVM's exit. */
class HttpClientsTest {
	@Test
	void closeEndsTheSelectorThreadOfEveryClientAndRefusesNewOnes() throws Exception {
		ExecutorService executor = Executors.newCachedThreadPool();
		HttpClients clients = new HttpClients(executor, Duration.ofSeconds(5), "", "");
		try {
			List<Thread> selectors = new ArrayList<>();
			for (ProxySettings proxy : List.of(ProxySettings.NO_PROXY, ProxySettings.PRECONFIG)) {
				HttpClient client = clients.client(proxy);
				String name = ClientShutdown.selectorThreadName(client.toString()); // JDK 17 to 25 name it after the client's id
				Thread selector = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
						.orElseThrow(() -> new AssertionError("no thread named " + name + " for " + client));
				assertTrue(selector.isAlive());
				selectors.add(selector);
			}
			clients.close();
			for (Thread selector : selectors) {
				selector.join(10_000);
				assertFalse(selector.isAlive(), selector.getName() + " still runs after close()");
			}
			assertThrows(IllegalStateException.class, () -> clients.client(ProxySettings.NO_PROXY));
		} finally {
			clients.close();
			executor.shutdownNow();
		}
	}

	@Test
	void theSelectorThreadIsNamedAfterTheClientsId() {
		assertEquals("HttpClient-12-SelectorManager", ClientShutdown.selectorThreadName("jdk.internal.net.http.HttpClientImpl@1b2c3d(12)"));
		assertNull(ClientShutdown.selectorThreadName("jdk.internal.net.http.HttpClientImpl@1b2c3d"));
		assertNull(ClientShutdown.selectorThreadName("some client (x)"));
		assertNull(ClientShutdown.selectorThreadName("some client ()"));
	}
}
