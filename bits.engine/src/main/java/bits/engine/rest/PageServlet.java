package bits.engine.rest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;
import java.util.Optional;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

/**
 * The engine's web page under {@value #PATH}/: a few static files (HTML, script, style) that call the management API
 * from the browser with the caller's token. The files themselves are public: they hold no data, and every API call they
 * make carries the token. Only the files named here are served.
 */
@Component(service = Servlet.class, property = {
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN + "=" + PageServlet.PATH + "/*",
		HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME + "=bits-page" })
public class PageServlet extends HttpServlet {
	private static final long serialVersionUID = 1L;
	static final String PATH = "/bits";

	/** The page's files (in the bundle under bits/engine/rest/page/) and their media types. */
	static final Map<String, String> FILES = Map.of("index.html", "text/html;charset=utf-8", "page.js", "text/javascript;charset=utf-8",
			"page.css", "text/css;charset=utf-8");

	/**
	 * Scripts and styles from this origin only, no inline code, API calls to this origin only, and never inside
	 * another site's frame.
	 */
	private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:;"
			+ " form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String path = Optional.ofNullable(request.getPathInfo()).orElse("");
		if (path.isEmpty()) { // /bits: the page's relative links need the slash
			response.sendRedirect(request.getContextPath() + PATH + "/");
			return;
		}
		String name = path.equals("/") ? "index.html" : path.substring(1);
		String type = FILES.get(name);
		URL resource = type == null ? null : resource(name);
		if (resource == null) {
			response.sendError(404);
			return;
		}
		response.setContentType(type);
		response.setHeader("Cache-Control", "no-cache");
		response.setHeader("X-Content-Type-Options", "nosniff");
		response.setHeader("Referrer-Policy", "no-referrer");
		response.setHeader("Content-Security-Policy", POLICY);
		try (InputStream in = resource.openStream()) {
			in.transferTo(response.getOutputStream());
		}
	}

	/** @return one of the page's files in this bundle */
	static URL resource(String name) {
		return PageServlet.class.getResource("page/" + name);
	}
}
