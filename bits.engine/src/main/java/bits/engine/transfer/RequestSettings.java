package bits.engine.transfer;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import bits.api.AuthTarget;
import bits.api.Credentials;
import bits.api.ProxySettings;
import bits.api.RedirectPolicy;
import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/** A snapshot of the job properties a request needs, taken under the table's lock. */
record RequestSettings(Map<String, String> headers, Map<AuthTarget, Credentials> credentials, ProxySettings proxy,
		RedirectPolicy redirectPolicy, boolean background, long sizeLimit, boolean plainHttpAuthentication) {

	static RequestSettings of(JobRow j, FileRow file) {
		long limit = -1;
		if (j.maxDownloadSize > 0) {
			long others = 0;
			for (FileRow f : j.files) {
				if (f != file && f.bytesTotal > 0) {
					others += f.bytesTotal;
				}
			}
			limit = Math.max(0, j.maxDownloadSize - others);
		}
		Map<AuthTarget, Credentials> creds = new EnumMap<>(AuthTarget.class);
		creds.putAll(j.credentials);
		return new RequestSettings(new LinkedHashMap<>(j.customHeaders), creds, j.proxySettings, j.redirectPolicy,
				j.priority.isBackground(), limit, j.plainHttpAuthentication);
	}
}
