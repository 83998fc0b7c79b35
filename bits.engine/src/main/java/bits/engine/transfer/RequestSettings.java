package bits.engine.transfer;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ProxySettings;
import bits.api.RedirectPolicy;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;

/** The job properties a request needs, from one record of the job. */
record RequestSettings(Map<String, String> headers, Map<AuthTarget, Credentials> credentials, ProxySettings proxy,
		RedirectPolicy redirectPolicy, boolean background, long sizeLimit, boolean plainHttpAuthentication) {

	/** @param file the index of the file the request is for */
	static RequestSettings of(JobRecord j, int file) {
		JobSettings s = j.settings();
		long limit = -1;
		if (s.maxDownloadSize() > 0) {
			long others = 0;
			for (FileRecord f : j.files()) {
				if (f.index() != file && f.bytesTotal() > 0) {
					others += f.bytesTotal();
				}
			}
			limit = Math.max(0, s.maxDownloadSize() - others);
		}
		return new RequestSettings(s.customHeaders(), s.credentials(), s.proxySettings(), s.redirectPolicy(), s.priority().isBackground(),
				limit, s.plainHttpAuthentication());
	}

	/**
	 * Sets the job's custom headers and credentials on a request to {@code uri}. They are for the origin the job named
	 * ({@code original}): a redirect elsewhere gets neither; server credentials go over plain http only when the job
	 * allows it, since anyone on the path reads Basic.
	 */
	void authorize(HttpRequest.Builder b, URI uri, URI original) {
		boolean sameOrigin = Origin.of(uri).equals(Origin.of(original));
		if (sameOrigin) {
			for (Map.Entry<String, String> h : headers.entrySet()) {
				b.header(h.getKey(), h.getValue());
			}
		}
		Credentials server = credentials.get(AuthTarget.SERVER);
		if (server != null && sameOrigin && ("https".equalsIgnoreCase(uri.getScheme()) || plainHttpAuthentication)) {
			b.header("Authorization", basic(server));
		}
		Credentials proxyCredentials = credentials.get(AuthTarget.PROXY);
		if (proxyCredentials != null) {
			b.header("Proxy-Authorization", basic(proxyCredentials));
		}
	}

	private static String basic(Credentials c) {
		return "Basic " + Base64.getEncoder().encodeToString((c.userName() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
	}
}
