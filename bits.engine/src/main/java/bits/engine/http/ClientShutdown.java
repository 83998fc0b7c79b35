package bits.engine.http;

import java.net.http.HttpClient;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Ends JDK HTTP clients that are no longer used: their connections and their selector threads. Until it is collected,
 * a client keeps a thread blocked in the kernel, and {@code System.exit} waits up to 0.3 s for threads in native code
 * (HotSpot; JDK 25 makes it tunable with {@code -XX:UserThreadWaitAttemptsAtExit}): every engine that made a client
 * paid that at its exit. JDK 21 and later have {@code HttpClient.shutdownNow()}; on JDK 17 the selector thread, which
 * the client names after its id, ends its loop and shuts its client down when interrupted.
 */
public final class ClientShutdown {
	private ClientShutdown() {
	}

	/** Shuts each client down; a failure with one leaves the others to be shut down. */
	public static void shutdown(Collection<HttpClient> clients) {
		Set<String> selectors = new HashSet<>();
		for (HttpClient client : clients) {
			try {
				HttpClient.class.getMethod("shutdownNow").invoke(client);
				continue;
			} catch (NoSuchMethodException e) {
				// JDK 17: its selector thread, below
			} catch (ReflectiveOperationException | RuntimeException e) {
				// not shut down: its thread ends when the client is collected
				continue;
			}
			String name = selectorThreadName(client.toString());
			if (name != null) { // else not the JDK's client as we know it
				selectors.add(name);
			}
		}
		if (selectors.isEmpty()) {
			return;
		}
		for (Thread t : Thread.getAllStackTraces().keySet()) {
			if (selectors.contains(t.getName())) {
				t.interrupt();
			}
		}
	}

	/** @return the name of the selector thread of the client whose toString() is {@code described}, "...(ID)", or null */
	public static String selectorThreadName(String described) {
		int open = described.lastIndexOf('(');
		if (open < 0 || !described.endsWith(")")) {
			return null;
		}
		String id = described.substring(open + 1, described.length() - 1);
		return !id.isEmpty() && id.chars().allMatch(Character::isDigit) ? "HttpClient-" + id + "-SelectorManager" : null;
	}
}
