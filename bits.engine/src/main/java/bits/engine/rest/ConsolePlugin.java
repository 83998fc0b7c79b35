package bits.engine.rest;

import java.io.IOException;
import java.io.PrintWriter;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;

/**
 * The engine's page as a plugin of the Apache Felix Web Console (4.9, javax), at {@code /system/console/bits} when a
 * console runs: a plain servlet with the console's two service properties, so nothing of the console is imported and
 * without one the service is simply unused. The console draws its frame around what this writes: the page's container
 * and its script and style, served by {@link PageServlet} in the same HTTP runtime. The page asks for an API token as
 * it does on its own: the console's login is not the API's.
 */
@Component(service = Servlet.class, property = { ConsolePlugin.LABEL + "=bits", ConsolePlugin.TITLE + "=Background transfers (bits)" })
public class ConsolePlugin extends HttpServlet {
	private static final long serialVersionUID = 1L;
	static final String LABEL = "felix.webconsole.label";
	static final String TITLE = "felix.webconsole.title";

	@Override
	protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
		response.setContentType("text/html;charset=utf-8");
		// the page's own servlet is in the runtime's default context, at the root
		String page = PageServlet.PATH;
		PrintWriter out = response.getWriter();
		out.println("<link rel=\"stylesheet\" href=\"" + page + "/page.css\">");
		out.println("<div id=\"bits\" data-api=\"" + ApiAddress.PATH + "\"></div>");
		out.println("<script src=\"" + page + "/page.js\"></script>");
	}
}
