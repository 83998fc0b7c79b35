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
			config = settings;
			sessions.rules(rules(settings));
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
	}

	private synchronized void open(UploadEndpointConfig settings) throws IOException {
		String path = settings.path().replaceFirst("/+$", "");
		if (!path.startsWith("/") || path.contains("*")) {
			throw new IllegalArgumentException("path must start with '/' and has no '*': " + settings.path());
		}
		if (settings.directory() == null || settings.directory().isBlank()) {
			throw new IllegalArgumentException("no directory: configure " + UploadEndpointConfig.PID + " directory");
		}
		sessions = UploadSessions.open(Path.of(settings.directory()), rules(settings), System::currentTimeMillis);
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

	UploadSessions sessions() {
		return sessions;
	}

	Logger log() {
		return log;
	}

	String name() {
		return config.name();
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

	/**
	 * Hands a whole upload to the endpoint's listener.
	 *
	 * @param url the URL the client uploaded to
	 * @return its answer; empty if there is no listener
	 */
	Optional<UploadReply> notifyListener(SessionRecord r, URI url) throws Exception {
		Optional<ServiceReference<UploadListener>> ref = listener();
		if (ref.isEmpty()) {
			return Optional.empty();
		}
		UploadListener l = context.getService(ref.get());
		if (l == null) {
			return Optional.empty(); // went away meanwhile
		}
		try {
			Path destination = sessions.root().resolve(r.name());
			UploadReply reply = l.uploaded(new WholeUpload(config.name(), url, r.name(),
					destination, sessions.data(r), r.length(), r.owner()));
			return Optional.of(reply == null ? UploadReply.none() : reply);
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
