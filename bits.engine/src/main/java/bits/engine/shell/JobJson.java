package bits.engine.shell;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;

import org.apache.felix.utils.json.JSONWriter;

import bits.api.AuthTarget;
import bits.api.ErrorCodes;
import bits.api.HandlerInfo;
import bits.api.JobError;
import bits.api.TransferFile;
import bits.api.TransferJob;

/**
 * Machine-readable forms for {@code --json}: one JSON document per command. Field names are the API's property
 * names; times are ISO-8601; an unknown size is -1; error codes are BITS's hex form ("0x80190194").
 */
final class JobJson {
	private JobJson() {
	}

	/** Writes a document with {@code body} and returns it. */
	static String document(Body body) {
		StringWriter text = new StringWriter();
		try {
			JSONWriter w = new JSONWriter(text);
			body.write(w);
			w.flush();
		} catch (IOException e) {
			throw new UncheckedIOException(e); // a StringWriter does not fail
		}
		return text.toString();
	}

	/** What a document contains. */
	interface Body {
		void write(JSONWriter w) throws IOException;
	}

	static void job(JSONWriter w, TransferJob j, boolean files, boolean verbose) throws IOException {
		var p = j.getProgress();
		var t = j.getTimes();
		w.object().key("id").value(j.getId().toString()).key("displayName").value(j.getDisplayName()).key("owner").value(j.getOwner())
				.key("state").value(j.getState().name()).key("priority").value(j.getPriority().name()).key("bytesTransferred")
				.value(p.bytesTransferred()).key("bytesTotal").value(p.bytesTotal()).key("filesTransferred").value(p.filesTransferred())
				.key("filesTotal").value(p.filesTotal()).key("created").value(time(t.creation())).key("modified")
				.value(time(t.modification())).key("transferred").value(t.transferred().map(JobJson::time).orElse(null));
		w.key("error");
		error(w, j.getError().orElse(null));
		w.key("handlerId").value(j.getHandlerId().orElse(null)).key("notificationError");
		error(w, j.getNotificationError().orElse(null));
		if (verbose) {
			w.key("type").value(j.getType().name()).key("description").value(j.getDescription()).key("notifyFlags").array();
			for (var f : j.getNotifyFlags()) {
				w.value(f.name());
			}
			w.endArray().key("liveCallback").value(j.getNotifyCallback().isPresent()).key("minimumRetryDelaySeconds")
					.value(j.getMinimumRetryDelay().toSeconds()).key("noProgressTimeoutSeconds").value(j.getNoProgressTimeout().toSeconds())
					.key("minimumNotificationIntervalMillis").value(j.getMinimumNotificationInterval().toMillis()).key("proxyUsage")
					.value(j.getProxySettings().usage().name()).key("proxies").value(j.getProxySettings().proxies()).key("proxyBypass")
					.value(j.getProxySettings().bypass()).key("redirectPolicy").value(j.getRedirectPolicy().name()).key("maxDownloadSize")
					.value(j.getMaxDownloadSize()).key("customHeaderNames").value(j.getCustomHeaders().keySet().stream().toList())
					.key("serverCredentials").value(j.hasCredentials(AuthTarget.SERVER)).key("proxyCredentials")
					.value(j.hasCredentials(AuthTarget.PROXY));
		}
		if (files) {
			w.key("files");
			files(w, j, verbose);
		}
		w.endObject();
	}

	static void files(JSONWriter w, TransferJob j, boolean verbose) throws IOException {
		w.array();
		for (TransferFile f : j.getFiles()) {
			var p = f.getProgress();
			w.object().key("index").value(f.getIndex()).key("remoteUri").value(f.getRemoteUri().toString()).key("localPath")
					.value(f.getLocalPath().toString()).key("bytesTransferred").value(p.bytesTransferred()).key("bytesTotal")
					.value(p.bytesTotal()).key("completed").value(p.completed()).key("validation").value(f.getValidationState().name());
			if (verbose) {
				w.key("temporaryPath").value(f.getTemporaryPath().toString());
			}
			w.endObject();
		}
		w.endArray();
	}

	static void handler(JSONWriter w, HandlerInfo h, String id, Iterable<String> jobs) throws IOException {
		w.object().key("id").value(id).key("state").value(h == null ? "UNKNOWN" : h.state().name()).key("bundle")
				.value(h == null ? null : h.bundle()).key("version").value(h == null ? null : h.version()).key("source")
				.value(h == null ? null : h.source()).key("jobs").array();
		for (String job : jobs) {
			w.value(job);
		}
		w.endArray().endObject();
	}

	private static void error(JSONWriter w, JobError e) throws IOException {
		if (e == null) {
			w.value((Object) null);
			return;
		}
		w.object().key("context").value(e.context().name()).key("code").value(ErrorCodes.hex(e.code())).key("description")
				.value(e.description()).key("file").value(e.fileIndex().map(Integer::valueOf).orElse(null)).endObject();
	}

	private static String time(Instant at) {
		return at.toString();
	}
}
