package bits.engine.rest;

import java.util.List;

import bits.api.AuthTarget;
import bits.api.TransferJob;

/**
 * A job as the API shows it: the API's property names, ISO-8601 times, -1 for an unknown size. Secrets stay out:
 * custom headers by name only, credentials as whether they are set (SPEC S2).
 */
record JobDto(String id, String displayName, String owner, String state, String priority, long bytesTransferred, long bytesTotal,
		int filesTransferred, int filesTotal, String created, String modified, String transferred, JobErrorDto error, String handlerId,
		JobErrorDto notificationError, String type, String description, List<String> notifyFlags, boolean liveCallback,
		long minimumRetryDelaySeconds, long noProgressTimeoutSeconds, long minimumNotificationIntervalMillis, String redirectPolicy,
		long maxDownloadSize, List<String> customHeaderNames, boolean serverCredentials, boolean proxyCredentials, ReplyDto reply) {

	static JobDto of(TransferJob j) {
		var p = j.getProgress();
		var t = j.getTimes();
		return new JobDto(j.getId().toString(), j.getDisplayName(), j.getOwner(), j.getState().name(), j.getPriority().name(),
				p.bytesTransferred(), p.bytesTotal(), p.filesTransferred(), p.filesTotal(), t.creation().toString(),
				t.modification().toString(), t.transferred().map(Object::toString).orElse(null), JobErrorDto.of(j.getError().orElse(null)),
				j.getHandlerId().orElse(null), JobErrorDto.of(j.getNotificationError().orElse(null)), j.getType().name(), j.getDescription(),
				j.getNotifyFlags().stream().map(Enum::name).sorted().toList(), j.getNotifyCallback().isPresent(),
				j.getMinimumRetryDelay().toSeconds(), j.getNoProgressTimeout().toSeconds(), j.getMinimumNotificationInterval().toMillis(),
				j.getRedirectPolicy().name(), j.getMaxDownloadSize(), j.getCustomHeaders().keySet().stream().sorted().toList(),
				j.hasCredentials(AuthTarget.SERVER), j.hasCredentials(AuthTarget.PROXY), ReplyDto.of(j));
	}
}
