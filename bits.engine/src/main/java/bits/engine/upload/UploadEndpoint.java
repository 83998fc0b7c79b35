package bits.engine.upload;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.servlet.Servlet;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import bits.api.Upload;
import bits.api.UploadListener;
import bits.api.UploadReply;
import bits.engine.rest.ApiTokens;

/**
 * One upload endpoint, made from one configuration of the factory PID {@value UploadEndpointConfig#PID}: the sessions
 * in its directory and its servlet on the HTTP Whiteboard at {@code path/*}. Its clients authenticate with an API
 * token (bearer, or as the password of HTTP Basic credentials); the sessions are theirs alone.
 */
@Component(service = {}, configurationPid = UploadEndpointConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UploadEndpointConfig.class, factory = true)
public class UploadEndpoint {
	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Reference
	private ApiTokens tokens;

	@Reference(service = UploadListener.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, fieldOption = FieldOption.UPDATE)
	private final List<ServiceReference<UploadListener>> listeners = new CopyOnWriteArrayList<>();

	private BundleContext context;
	private volatile UploadEndpointConfig config;
	private volatile UploadSessions sessions;
	/** The server application outside OSGi, or null. */
	private volatile ApplicationNotification application;
	private ServiceRegistration<Servlet> servlet;

	@Activate
	void activate(BundleContext bundleContext, UploadEndpointConfig settings) throws IOException {
		context = bundleContext;
		open(settings);
	}

	/** New rules take effect at once; a new path or directory re-opens the endpoint there (sessions stay on disk). */
	@Modified
	synchronized void modified(UploadEndpointConfig settings) throws IOException {
		UploadEndpointConfig before = config;
		if (before.path().equals(settings.path()) && before.directory().equals(settings.directory())) {
			ApplicationNotification app = application(settings);
			sessions.rules(rules(settings));
			ApplicationNotification replaced = application;
			application = app;
			config = settings;
			if (replaced != null) {
				replaced.close(); // a notification it was making fails, and the client's retried Close-Session asks the new one
			}
		} else {
			close();
			open(settings);
		}
	}

	@Deactivate
	synchronized void close() {
		if (servlet != null) {
			try {
				servlet.unregister();
			} catch (IllegalStateException e) {
				// the bundle is stopping: already gone
			}
			servlet = null;
		}
		if (sessions != null) {
			sessions.flush(); // a clean stop: what was acknowledged is kept
		}
		ApplicationNotification app = application;
		if (app != null) {
			app.close();
		}
	}

	private synchronized void open(UploadEndpointConfig settings) throws IOException {
		String path = settings.path().replaceFirst("/+$", "");
		if (!path.startsWith("/") || path.contains("*")) {
			throw new IllegalArgumentException("path must start with '/' and has no '*': " + settings.path());
		}
		if (settings.directory() == null || settings.directory().isBlank()) {
			throw new IllegalArgumentException("no directory: configure " + UploadEndpointConfig.PID + " directory");
		}
		ApplicationNotification app = application(settings);
		sessions = UploadSessions.open(Path.of(settings.directory()), rules(settings), System::currentTimeMillis);
		application = app;
		config = settings;
		Dictionary<String, Object> properties = new Hashtable<>();
		properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, path + "/*");
		properties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "bits-upload-" + settings.name());
		servlet = context.registerService(Servlet.class, new BitsUploadServlet(this), properties);
		log.info("upload endpoint {} at {} into {} ({} open sessions)", settings.name(), path, sessions.root(), sessions.list().size());
	}

	private static UploadSessions.Rules rules(UploadEndpointConfig c) {
		if (c.max_bytes() < 0 || c.session_timeout_seconds() <= 0 || c.sessions_per_owner() <= 0) {
			throw new IllegalArgumentException("max.bytes must be >= 0, session.timeout.seconds and sessions.per.owner > 0");
		}
		return new UploadSessions.Rules(c.max_bytes(), c.session_timeout_seconds() * 1000, c.overwrite(), c.sessions_per_owner());
	}

	private static ApplicationNotification application(UploadEndpointConfig c) {
		if (c.notification_url().isBlank()) {
			return null;
		}
		URI url;
		try {
			url = URI.create(c.notification_url().trim());
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("notification.url is not a URL: " + c.notification_url());
		}
		if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())) {
			throw new IllegalArgumentException("notification.url is not an http(s) URL: " + url);
		}
		ApplicationNotification.Type type = switch (c.notification_type().trim().toLowerCase(java.util.Locale.ROOT)) {
		case "body" -> ApplicationNotification.Type.BODY;
		case "reference" -> ApplicationNotification.Type.REFERENCE;
		default -> throw new IllegalArgumentException("notification.type is body or reference, not " + c.notification_type());
		};
		if (c.notification_timeout_seconds() <= 0) {
			throw new IllegalArgumentException("notification.timeout.seconds must be > 0");
		}
		return new ApplicationNotification(url, type, java.time.Duration.ofSeconds(c.notification_timeout_seconds()));
	}

	UploadSessions sessions() {
		return sessions;
	}

	Logger log() {
		return log;
	}

	String name() {
		return config.name();
	}

	boolean enabled() {
		return config.enabled();
	}

	String hostId() {
		return config.host_id().trim();
	}

	long hostIdFallbackSeconds() {
		return config.host_id_fallback_timeout_seconds();
	}

	Optional<String> authenticate(String authorization) {
		return tokens.owner(authorization);
	}

	/** @return the listener for this endpoint's uploads: the highest ranked of those naming it, or naming none */
	Optional<ServiceReference<UploadListener>> listener() {
		String name = config.name();
		return listeners.stream().filter(r -> serves(r.getProperty(UploadListener.ENDPOINT), name)).max(ServiceReference::compareTo);
	}

	/** @return whether a whole upload is handed to someone: an upload listener, or a server application */
	boolean answers() {
		return listener().isPresent() || application != null;
	}

	/**
	 * Hands a whole upload to the endpoint's listener, or else to its server application.
	 *
	 * @param url the URL the client uploaded to
	 * @return the answer; empty if there is neither
	 * @throws ApplicationNotification.Failure if the server application refused or failed
	 * @throws Exception if the listener did
	 */
	Optional<ApplicationNotification.Answer> answer(SessionRecord r, URI url) throws Exception {
		Optional<ServiceReference<UploadListener>> ref = listener();
		UploadListener l = ref.map(context::getService).orElse(null);
		if (l == null) { // none, or gone meanwhile
			ApplicationNotification app = application;
			return app == null ? Optional.empty() : Optional.of(app.notify(url, sessions.data(r), sessions.replyFile(r)));
		}
		try {
			Path destination = sessions.root().resolve(r.name());
			UploadReply reply = l.uploaded(new WholeUpload(config.name(), url, r.name(), destination, sessions.data(r), r.length(), r.owner()));
			UploadReply given = reply == null ? UploadReply.none() : reply;
			return Optional.of(new ApplicationNotification.Answer(given.hasReply() ? given.data() : null, null, given.placed()));
		} finally {
			context.ungetService(ref.get());
		}
	}

	private static boolean serves(Object endpoints, String name) {
		if (endpoints == null) {
			return true;
		}
		if (endpoints instanceof String[] a) {
			return List.of(a).contains(name);
		}
		if (endpoints instanceof Collection<?> c) {
			return c.stream().map(String::valueOf).anyMatch(name::equals);
		}
		return name.equals(String.valueOf(endpoints));
	}

	private record WholeUpload(String endpoint, URI url, String name, Path destination, Path file, long length, String owner) implements Upload {
	}
}
