package bits.engine.rest;

import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.E_INVALIDARG;
import static bits.api.ErrorCodes.E_NOTIMPL;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.HttpServiceRuntimeConstants;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import bits.api.TransferException;
import bits.engine.jobs.OwnerManagers;
import bits.engine.jobs.StuckCallbacks;

/**
 * The management API (SPEC S1, S2, S5) under {@value ApiAddress#PATH}, a servlet of the HTTP Whiteboard (javax, 1.1):
 * JSON in and out, a bearer token on every request. Without an HTTP runtime it is simply not there.
 */
@Component(service = Servlet.class, configurationPid = RestConfig.PID, property = {
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + ApiAddress.PATH + "/*",
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=bits-api" })
@Designate(ocd = RestConfig.class)
public class ApiServlet extends HttpServlet {
	private static final long serialVersionUID = 1L;
	private static final long DRAIN = 64L << 20;


	@Reference(service = LoggerFactory.class)
	private transient Logger log;

	@Reference
	private transient OwnerManagers managers;

	@Reference
	private transient ApiTokens tokens;

	@Reference
	private transient StuckCallbacks stuck;

	@Reference
	private transient ServiceReference<HttpServiceRuntime> runtime;

	private transient BundleContext context;
	private final transient Thread exit = new Thread(this::removeAddress, "bits API address removal");
	private volatile int maxBody;

	@Activate
	void activate(BundleContext context, RestConfig config) {
		this.context = context;
		modified(config);
		// a signal ends the JVM without the framework reaching the servlet's end: the address must not outlive it
		Runtime.getRuntime().addShutdownHook(exit);
	}

	@Modified
	void modified(RestConfig config) {
		maxBody = config.max_body_bytes();
	}

	/** Called when the HTTP runtime serves the servlet: the address goes to the store for a command line to find. */
	@Override
	public void init() {
		Optional<java.net.URI> address = ApiAddress.of(runtime.getProperty(HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT));
		if (address.isEmpty()) {
			log.warn("the HTTP runtime names no http endpoint ({}): the API's address is not written",
					runtime.getProperty(HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT));
			return;
		}
		try {
			ApiAddress.write(managers.storeDirectory(), address.get());
			log.info("bits API at {}", address.get());
		} catch (IOException e) {
			log.error("cannot write the API's address to {}: {}", managers.storeDirectory(), e.toString());
		}
	}

	@Override
	public void destroy() {
		removeAddress();
	}

	/** Also when the HTTP runtime goes first (a framework stop takes its bundle down before the engine's). */
	@Deactivate
	void deactivate() {
		removeAddress();
		try {
			Runtime.getRuntime().removeShutdownHook(exit);
		} catch (IllegalStateException e) {
			// the JVM is shutting down: the hook runs anyway
		}
	}

	private void removeAddress() {
		try {
			ApiAddress.delete(managers.storeDirectory());
		} catch (IOException e) {
			log.warn("cannot delete the API's address in {}: {}", managers.storeDirectory(), e.toString());
		}
	}

	@Override
	protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String context = request.getMethod() + " " + Optional.ofNullable(request.getPathInfo()).orElse("/");
		try {
			Caller caller = tokens.authenticate(request.getHeader("Authorization"));
			JobResources resources = new JobResources(managers, caller);
			Object body = route(request, response, resources);
			if (body instanceof byte[] bytes) { // an upload-reply job's reply, as the server sent it
				response.setContentType("application/octet-stream");
				response.setContentLength(bytes.length);
				response.getOutputStream().write(bytes);
				return;
			}
			Json.send(response, response.getStatus(), body); // 200, or what the resource set
		} catch (ApiException e) {
			Json.fail(response, e, context);
		} catch (TransferException e) {
			Json.fail(response, ApiException.of(e), context);
		} catch (IllegalArgumentException e) { // a value the engine's API refuses as such (a negative duration, say)
			Json.fail(response, new ApiException(400, E_INVALIDARG, e.getMessage()), context);
		}
	}

	private Object route(HttpServletRequest request, HttpServletResponse response, JobResources resources) throws IOException {
		String path = Optional.ofNullable(request.getPathInfo()).orElse("/");
		String[] p = path.replaceFirst("^/", "").replaceFirst("/$", "").split("/");
		String method = request.getMethod();
		if (p.length == 1 && p[0].equals("jobs")) {
			if (method.equals("GET")) {
				return resources.list("true".equals(request.getParameter("all")));
			}
			if (method.equals("POST")) {
				JobDto created = resources.create(read(request));
				response.setStatus(201);
				response.setHeader("Location", request.getRequestURI().replaceFirst("/$", "") + "/" + created.id());
				return created;
			}
		} else if (p.length == 2 && p[0].equals("jobs")) {
			if (method.equals("GET")) {
				return resources.get(p[1]);
			}
			if (method.equals("PATCH")) {
				return resources.patch(p[1], read(request));
			}
		} else if (p.length == 3 && p[0].equals("jobs")) {
			if (method.equals("GET") && p[2].equals("files")) {
				return resources.files(p[1]);
			}
			if (method.equals("GET") && p[2].equals("reply")) {
				return resources.reply(p[1]);
			}
			if (method.equals("POST") && !p[2].equals("files")) {
				return resources.act(p[1], p[2]);
			}
		} else if (p.length == 1 && p[0].equals("handlers")) {
			if (method.equals("GET")) {
				return resources.handlers();
			}
		} else if (p.length == 1 && p[0].equals("engine")) {
			if (method.equals("GET")) {
				return resources.engine(context.getBundle().getVersion().toString(), managers.storeDirectory(), stuck.count());
			}
		} else {
			throw new ApiException(404, BG_E_NOT_FOUND, "no resource " + path);
		}
		throw new ApiException(405, E_NOTIMPL, method + " is not a method of " + path);
	}

	/** The request's JSON, read only up to the configured size. */
	private JobRequest read(HttpServletRequest request) throws IOException {
		int limit = maxBody;
		byte[] body;
		try (InputStream in = request.getInputStream()) {
			body = in.readNBytes(limit + 1);
			if (body.length > limit) {
				// read past, up to a bound, so that the client gets the 413 rather than a connection reset mid-upload
				byte[] discard = new byte[8192];
				for (long left = DRAIN; left > 0;) {
					int n = in.read(discard);
					if (n < 0) {
						break;
					}
					left -= n;
				}
				throw tooLarge(limit);
			}
		}
		try {
			JobRequest r = Json.MAPPER.readValue(body, JobRequest.class);
			if (r == null) {
				throw new ApiException(400, E_INVALIDARG, "the body is empty: a JSON object is expected");
			}
			return r;
		} catch (MismatchedInputException e) {
			// the field, not the value: a header value must not come back in an error
			throw new ApiException(400, E_INVALIDARG, "bad JSON at " + field(e) + ": " + e.getClass().getSimpleName().replace("Exception", ""));
		} catch (JsonProcessingException e) {
			var at = e.getLocation();
			throw new ApiException(400, E_INVALIDARG, "malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
		}
	}

	private static String field(MismatchedInputException e) {
		StringBuilder b = new StringBuilder("$");
		for (var ref : e.getPath()) {
			b.append(ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]");
		}
		return b.toString();
	}

	private static ApiException tooLarge(int limit) {
		return new ApiException(413, E_INVALIDARG, "the body is larger than " + limit + " bytes (configuration " + RestConfig.PID + ", max.body.bytes)");
	}

}
