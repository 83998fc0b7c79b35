package bits.engine.shell;

import java.time.Duration;
import java.util.stream.Collectors;

import bits.api.AuthTarget;
import bits.api.NotifyFlag;
import bits.api.TransferFile;
import bits.api.TransferJob;

/** Text forms of jobs and files for people: one line per job, or the job in full (bitsadmin /info [/verbose]). */
final class JobText {
	private JobText() {
	}

	static String line(TransferJob j) {
		var p = j.getProgress();
		return j.getId() + " " + j.getState() + " " + j.getPriority() + " " + p.bytesTransferred() + "/" + total(p.bytesTotal()) + " "
				+ p.filesTransferred() + "/" + p.filesTotal() + " \"" + j.getDisplayName() + "\" " + j.getOwner();
	}

	static String job(TransferJob j, boolean verbose) {
		StringBuilder b = new StringBuilder(line(j)).append('\n');
		var t = j.getTimes();
		b.append("  created ").append(t.creation()).append(", modified ").append(t.modification());
		t.transferred().ifPresent(at -> b.append(", transferred ").append(at).append(" (")
				.append(Duration.between(t.creation(), at).toMillis()).append(" ms after creation)"));
		b.append('\n');
		j.getError().ifPresent(e -> b.append("  error: ").append(e).append('\n'));
		j.getHandlerId().ifPresent(h -> b.append("  handler: ").append(h).append('\n'));
		j.getNotificationError().ifPresent(e -> b.append("  notification error: ").append(e).append('\n'));
		if (verbose) {
			b.append("  type: ").append(j.getType()).append(", description: \"").append(j.getDescription()).append("\"\n");
			b.append("  notify flags: ").append(j.getNotifyFlags().stream().map(Enum::name).collect(Collectors.joining(" ")))
					.append(" (").append(NotifyFlag.toBits(j.getNotifyFlags())).append("), live callback: ")
					.append(j.getNotifyCallback().isPresent() ? "set" : "none").append(", minimum notification interval: ")
					.append(j.getMinimumNotificationInterval().toMillis()).append(" ms\n");
			b.append("  minimum retry delay: ").append(j.getMinimumRetryDelay().toSeconds()).append(" s, no-progress timeout: ")
					.append(j.getNoProgressTimeout().toSeconds()).append(" s\n");
			b.append("  proxy: ").append(j.getProxySettings().usage()).append(' ').append(j.getProxySettings().proxies())
					.append(" bypass ").append(j.getProxySettings().bypass()).append(", redirects: ").append(j.getRedirectPolicy())
					.append(", max download size: ").append(j.getMaxDownloadSize() <= 0 ? "none" : j.getMaxDownloadSize()).append('\n');
			// header values and passwords may be secrets: only their names and presence are shown
			b.append("  custom headers: ").append(j.getCustomHeaders().keySet()).append(", credentials: server ")
					.append(j.hasCredentials(AuthTarget.SERVER) ? j.isPlainHttpAuthenticationAllowed() ? "set (https and http)" : "set (https only)" : "none")
					.append(", proxy ")
					.append(j.hasCredentials(AuthTarget.PROXY) ? "set" : "none").append('\n');
		}
		for (TransferFile f : j.getFiles()) {
			b.append("  ").append(file(f, verbose)).append('\n');
		}
		return b.toString().stripTrailing();
	}

	static String file(TransferFile f, boolean verbose) {
		var p = f.getProgress();
		return f.getIndex() + " " + f.getRemoteUri() + " -> " + f.getLocalPath() + " " + p.bytesTransferred() + "/" + total(p.bytesTotal())
				+ (p.completed() ? " done " : " ") + f.getValidationState()
				+ (verbose ? " temporary " + f.getTemporaryPath() : "");
	}

	static String total(long bytes) {
		return bytes < 0 ? "?" : Long.toString(bytes);
	}
}
