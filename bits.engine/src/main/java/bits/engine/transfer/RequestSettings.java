package bits.engine.transfer;

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
}
