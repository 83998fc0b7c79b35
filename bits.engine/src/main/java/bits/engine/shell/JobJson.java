package bits.engine.shell;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collection;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import bits.api.AuthTarget;
import bits.api.ErrorCodes;
import bits.api.HandlerInfo;
import bits.api.JobError;
import bits.api.TransferFile;
import bits.api.TransferJob;

/**
 * Machine-readable forms for {@code --json}: one JSON document per command, written with Jackson's generator. Field
 * names are the API's property names; times are ISO-8601; an unknown size is -1; error codes are BITS's hex form
 * ("0x80190194").
 */
final class JobJson {
	private static final JsonFactory JSON = new JsonFactory();

	private JobJson() {
	}

	/** Writes a document with {@code body} and returns it. */
	static String document(Body body) {
		StringWriter text = new StringWriter();
		try (JsonGenerator w = JSON.createGenerator(text)) {
			body.write(w);
		} catch (IOException e) {
			throw new UncheckedIOException(e); // a StringWriter does not fail
		}
		return text.toString();
	}

	/** What a document contains. */
	interface Body {
		void write(JsonGenerator w) throws IOException;
	}

	static void job(JsonGenerator w, TransferJob j, boolean files, boolean verbose) throws IOException {
		var p = j.getProgress();
		var t = j.getTimes();
		w.writeStartObject();
		w.writeStringField("id", j.getId().toString());
		w.writeStringField("displayName", j.getDisplayName());
		w.writeStringField("owner", j.getOwner());
		w.writeStringField("state", j.getState().name());
		w.writeStringField("priority", j.getPriority().name());
		w.writeNumberField("bytesTransferred", p.bytesTransferred());
		w.writeNumberField("bytesTotal", p.bytesTotal());
		w.writeNumberField("filesTransferred", p.filesTransferred());
		w.writeNumberField("filesTotal", p.filesTotal());
		w.writeStringField("created", time(t.creation()));
		w.writeStringField("modified", time(t.modification()));
		w.writeStringField("transferred", t.transferred().map(JobJson::time).orElse(null));
		w.writeFieldName("error");
		error(w, j.getError().orElse(null));
		w.writeStringField("handlerId", j.getHandlerId().orElse(null));
		w.writeFieldName("notificationError");
		error(w, j.getNotificationError().orElse(null));
		if (verbose) {
			w.writeStringField("type", j.getType().name());
			w.writeStringField("description", j.getDescription());
			strings(w, "notifyFlags", j.getNotifyFlags().stream().map(Enum::name).toList());
			w.writeBooleanField("liveCallback", j.getNotifyCallback().isPresent());
			w.writeNumberField("minimumRetryDelaySeconds", j.getMinimumRetryDelay().toSeconds());
			w.writeNumberField("noProgressTimeoutSeconds", j.getNoProgressTimeout().toSeconds());
			w.writeNumberField("minimumNotificationIntervalMillis", j.getMinimumNotificationInterval().toMillis());
			w.writeStringField("proxyUsage", j.getProxySettings().usage().name());
			strings(w, "proxies", j.getProxySettings().proxies());
			strings(w, "proxyBypass", j.getProxySettings().bypass());
			w.writeStringField("redirectPolicy", j.getRedirectPolicy().name());
			w.writeNumberField("maxDownloadSize", j.getMaxDownloadSize());
			strings(w, "customHeaderNames", j.getCustomHeaders().keySet());
			w.writeBooleanField("serverCredentials", j.hasCredentials(AuthTarget.SERVER));
			w.writeBooleanField("proxyCredentials", j.hasCredentials(AuthTarget.PROXY));
		}
		if (files) {
			w.writeFieldName("files");
			files(w, j, verbose);
		}
		w.writeEndObject();
	}

	static void files(JsonGenerator w, TransferJob j, boolean verbose) throws IOException {
		w.writeStartArray();
		for (TransferFile f : j.getFiles()) {
			var p = f.getProgress();
			w.writeStartObject();
			w.writeNumberField("index", f.getIndex());
			w.writeStringField("remoteUri", f.getRemoteUri().toString());
			w.writeStringField("localPath", f.getLocalPath().toString());
			w.writeNumberField("bytesTransferred", p.bytesTransferred());
			w.writeNumberField("bytesTotal", p.bytesTotal());
			w.writeBooleanField("completed", p.completed());
			w.writeStringField("validation", f.getValidationState().name());
			if (verbose) {
				w.writeStringField("temporaryPath", f.getTemporaryPath().toString());
			}
			w.writeEndObject();
		}
		w.writeEndArray();
	}

	static void handler(JsonGenerator w, HandlerInfo h, String id, Collection<String> jobs) throws IOException {
		w.writeStartObject();
		w.writeStringField("id", id);
		w.writeStringField("state", h == null ? "UNKNOWN" : h.state().name());
		w.writeStringField("bundle", h == null ? null : h.bundle());
		w.writeStringField("version", h == null ? null : h.version());
		w.writeStringField("source", h == null ? null : h.source());
		strings(w, "jobs", jobs);
		w.writeEndObject();
	}

	private static void strings(JsonGenerator w, String name, Collection<String> values) throws IOException {
		w.writeArrayFieldStart(name);
		for (String v : values) {
			w.writeString(v);
		}
		w.writeEndArray();
	}

	private static void error(JsonGenerator w, JobError e) throws IOException {
		if (e == null) {
			w.writeNull();
			return;
		}
		w.writeStartObject();
		w.writeStringField("context", e.context().name());
		w.writeStringField("code", ErrorCodes.hex(e.code()));
		w.writeStringField("description", e.description());
		if (e.fileIndex().isPresent()) {
			w.writeNumberField("file", e.fileIndex().get());
		} else {
			w.writeNullField("file");
		}
		w.writeEndObject();
	}

	private static String time(Instant at) {
		return at.toString();
	}
}
