package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.util.tracker.ServiceTracker;

import bits.api.JobState;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Test support: the engine's configuration for the ITs, the manager service, waiting and file checks. */
final class Engine {
	static final Duration TIMEOUT = Duration.ofSeconds(90);
	/** A property of the tests' configuration that changes with every update (the engine ignores it). */
	private static final String SERIAL = "bits.test.serial";
	private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

	private Engine() {
	}

	private static BundleContext context() {
		return FrameworkUtil.getBundle(Engine.class).getBundleContext();
	}

	/**
	 * Configures the engine for the tests (short timeouts, file: root in java.io.tmpdir, the test trust store) and waits
	 * until every engine component has taken the configuration (in place: nothing restarts). Another store directory,
	 * store URL or secrets key applies when the engine starts again: then the engine bundle is restarted. Under
	 * itest-postgres.bndrun the store is a PostgreSQL database for each store directory ({@link TestDatabases}).
	 */
	static TransferManager configured() throws Exception {
		return configured(Map.of());
	}

	/** As {@link #configured()}, with some properties overridden. */
	static TransferManager configured(Map<String, Object> overrides) throws Exception {
		BundleContext context = context();
		ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
		ConfigurationAdmin admin = context.getService(ref);
		Configuration config = admin.getConfiguration("bits.engine", "?");
		Map<String, Object> wanted = new TreeMap<>();
		wanted.put("read.timeout.ms", 3000L);
		wanted.put("connect.timeout.ms", 3000L);
		wanted.put("time.slice.ms", 1000L);
		wanted.put("default.retry.delay.s", 5L);
		wanted.put("file.roots", Path.of(System.getProperty("java.io.tmpdir")).toRealPath().toString());
		wanted.put("max.jobs.per.owner", 100);
		wanted.put("trust.store", Tls.trustStore().toString());
		wanted.put("trust.store.password", Tls.PASSWORD);
		// the all-owners view is a privilege: the test bundle and the second owners that tests use it through
		wanted.put("admin.bundles", List.of("bits.engine-tests", "bits.itest.app", "bits.itest.registrant", "bits.itest.admin"));
		wanted.putAll(overrides);
		if (TestDatabases.active()) { // itest-postgres.bndrun: a database for each store directory
			wanted.put("store.url", TestDatabases.url(wanted.get("store.directory")));
			wanted.put("store.user", "postgres");
		}
		Dictionary<String, Object> current = config.getProperties();
		boolean same = current != null;
		for (Map.Entry<String, Object> e : wanted.entrySet()) {
			same &= current != null && Objects.equals(comparable(current.get(e.getKey())), comparable(e.getValue()));
		}
		same &= current == null || current.size() - 2 == wanted.size(); // service.pid and the serial are added
		if (!same) {
			// a new serial in each update: every component having it shows the update was taken (removals included)
			wanted.put(SERIAL, SERIALS.incrementAndGet());
			boolean newStore = false;
			for (String key : List.of("store.directory", "store.url", "secrets.key.file")) {
				newStore |= !Objects.equals(current == null ? null : current.get(key), wanted.get(key));
			}
			config.update(new Hashtable<>(wanted));
			awaitApplied(context, wanted);
			if (newStore) { // the engine opens another store only when it starts again, as a bundle restart does
				return restart();
			}
			Object repositories = overrides.get("handler.repositories");
			if (repositories != null) { // the handler component takes its configuration in place, perhaps a moment later
				// several: the last one is waited for (an earlier one may be refused); listed without its pin
				Object last = repositories instanceof List<?> list ? list.get(list.size() - 1) : repositories;
				String location = last.toString().replaceFirst(";sha256=.*", "");
				TransferManager m = manager(context);
				await("handler repository " + repositories, () -> m.listHandlers().stream()
						.anyMatch(h -> h.source().equals(location)));
			}
		}
		return manager(context);
	}

	/** Waits until every component of the engine configured by PID bits.engine has {@code wanted} (SCR's DTOs). */
	private static void awaitApplied(BundleContext context, Map<String, Object> wanted) throws InterruptedException {
		ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
		Bundle engine = bundle();
		Supplier<String> mismatch = () -> {
			for (var d : scr.getComponentDescriptionDTOs(engine)) {
				if (!List.of(d.configurationPid).contains("bits.engine")) {
					continue;
				}
				var configurations = scr.getComponentConfigurationDTOs(d);
				if (configurations.isEmpty()) {
					return d.name + " has no configuration";
				}
				for (var c : configurations) {
					for (Map.Entry<String, Object> e : wanted.entrySet()) {
						Object have = comparable(c.properties.get(e.getKey()));
						if (!Objects.equals(have, comparable(e.getValue()))) {
							return d.name + " has " + e.getKey() + "=" + have + " (" + (have == null ? "" : have.getClass().getSimpleName())
									+ "), not " + e.getValue();
						}
					}
				}
			}
			return null;
		};
		await(() -> "the configuration taken by every engine component: " + mismatch.get(), () -> mismatch.get() == null);
		// SCR sets a configuration's properties before it calls @Modified, and a component's service properties after
		// it returned: wait for those too (the scheduler registers none, the dispatcher one; their modified methods take
		// the lock their planners take, at once)
		await("the engine's services updated", () -> {
			ServiceReference<?>[] services = engine.getRegisteredServices();
			return services != null && Arrays.stream(services).filter(r -> r.getProperty(SERIAL) != null)
					.allMatch(r -> wanted.get(SERIAL).equals(r.getProperty(SERIAL)));
		});
	}

	/** @return the engine bundle */
	static Bundle bundle() {
		return Arrays.stream(context().getBundles()).filter(b -> "bits.engine".equals(b.getSymbolicName())).findFirst().orElseThrow();
	}

	/** Stops and starts the engine bundle, as a framework restart would; @return the new manager */
	static TransferManager restart() throws Exception {
		Bundle engine = bundle();
		engine.stop();
		engine.start();
		return manager(context());
	}

	/** ConfigAdmin may hand a list back as an array or another collection: compare contents. */
	private static Object comparable(Object value) {
		if (value instanceof Object[] a) {
			return List.of(a);
		}
		return value instanceof java.util.Collection<?> c ? List.copyOf(c) : value;
	}

	static TransferManager manager(BundleContext context) throws InterruptedException {
		ServiceTracker<TransferManager, TransferManager> t = new ServiceTracker<>(context, TransferManager.class, null);
		t.open();
		TransferManager m = t.waitForService(TIMEOUT.toMillis());
		if (m == null) {
			fail("no TransferManager service");
		}
		return m;
	}

	static void await(String what, BooleanSupplier condition) throws InterruptedException {
		await(() -> what, condition);
	}

	/** As {@link #await(String, BooleanSupplier)}, describing the state only when it fails. */
	static void await(Supplier<String> what, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				fail("timed out waiting for " + what.get());
			}
			Thread.sleep(25);
		}
	}

	static void awaitState(TransferJob job, JobState state) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		JobState s;
		while ((s = job.getState()) != state) {
			if (System.nanoTime() > deadline) {
				fail("job " + job.getId() + " is " + s + ", not " + state + "; error: " + job.getError().orElse(null));
			}
			Thread.sleep(25);
		}
	}

	static byte[] randomBytes(int size, long seed) {
		byte[] b = new byte[size];
		new Random(seed).nextBytes(b);
		return b;
	}

	static String sha256(byte[] data) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
	}

	static String sha256(Path file) throws Exception {
		return sha256(java.nio.file.Files.readAllBytes(file));
	}
}
