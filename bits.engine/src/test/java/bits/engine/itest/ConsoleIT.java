package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.HttpServiceRuntimeConstants;

/**
 * The engine's page (issue 12) inside the Apache Felix Web Console (4.9, javax), which the test runtime includes: the
 * console serves it at /system/console/bits, in its frame, behind its login.
 */
class ConsoleIT {
	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
	/** The console's built-in login when nothing else is configured. */
	private static final String LOGIN = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));

	@Test
	void theConsoleShowsTheEnginesPageAsAPlugin() throws Exception {
		URI root = endpoint();
		AtomicReference<HttpResponse<String>> plugin = new AtomicReference<>();
		await(() -> "the console's page for bits: " + (plugin.get() == null ? "no answer" : plugin.get().statusCode() + " " + plugin.get().body()),
				() -> {
					plugin.set(get(root.resolve("/system/console/bits"), LOGIN));
					return plugin.get() != null && plugin.get().statusCode() != 404; // 404 until the console has the plugin
				});
		if (plugin.get().statusCode() == 500 && "org.eclipse.osgi".equals(context().getProperty("bits.test.framework"))) {
			// seen with Web Console 4.9.10 on Equinox here: every console page, its own ones too, answers 500
			int own = get(root.resolve("/system/console/bundles"), LOGIN).statusCode();
			Assumptions.assumeTrue(own != 500, "the Web Console fails on Equinox for its own pages too (/system/console/bundles: 500)");
		}
		assertEquals(200, plugin.get().statusCode(), plugin.get().body());
		String body = plugin.get().body();
		assertTrue(body.contains("<div id=\"bits\" data-api=\"/bits/api/v1\"></div>"), body);
		assertTrue(body.contains("<script src=\"/bits/page.js\"></script>"), body);
		assertTrue(body.contains("Background transfers (bits)"), "the console's frame, with the plugin's title: " + body);

		assertEquals(401, get(root.resolve("/system/console/bits"), null).statusCode(), "the console's login guards the plugin");
		HttpResponse<String> script = get(root.resolve("/bits/page.js"), null);
		assertEquals(200, script.statusCode(), "the script the plugin loads is the engine's page's");
		assertTrue(script.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"), script.headers().toString());
	}

	private static BundleContext context() {
		return FrameworkUtil.getBundle(ConsoleIT.class).getBundleContext();
	}

	/** @return the HTTP runtime's first http endpoint, e.g. http://127.0.0.1:PORT/ */
	private static URI endpoint() throws InterruptedException {
		BundleContext context = context();
		AtomicReference<URI> found = new AtomicReference<>();
		await("an HTTP runtime with an http endpoint", () -> {
			ServiceReference<HttpServiceRuntime> ref = context.getServiceReference(HttpServiceRuntime.class);
			Object value = ref == null ? null : ref.getProperty(HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT);
			List<?> all = value instanceof String s ? List.of(s) : value instanceof String[] a ? List.of(a)
					: value instanceof Collection<?> c ? List.copyOf(c) : List.of();
			all.stream().map(String::valueOf).filter(e -> e.startsWith("http://")).findFirst().ifPresent(e -> found.set(URI.create(e)));
			return found.get() != null;
		});
		return found.get();
	}

	/** @return the answer, or null if there was none (the server not listening yet) */
	private static HttpResponse<String> get(URI uri, String authorization) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		try {
			return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
		} catch (IOException e) {
			return null;
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return null;
		}
	}
}
