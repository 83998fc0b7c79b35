package bits.engine.rest;

import java.util.List;
import java.util.Map;
import java.util.Set;

import bits.api.JobPriority;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.RedirectPolicy;
import bits.api.UploadProtocol;

/**
 * The body of {@code POST /jobs} and {@code PATCH /jobs/{id}}: every property is optional, an absent one is left as
 * it is. {@code handlerId} "" clears the handler; {@code files} are added; {@code resume} true resumes the job last.
 * {@code type} is given at creation only (DOWNLOAD if absent); {@code replyFile} is an upload-reply job's.
 */
record JobRequest(JobType type, String displayName, String description, JobPriority priority, List<FileRequest> files, Set<NotifyFlag> notifyFlags,
		String handlerId, Long minimumRetryDelaySeconds, Long noProgressTimeoutSeconds, Map<String, String> customHeaders,
		Long maxDownloadSize, RedirectPolicy redirectPolicy, UploadProtocol uploadProtocol, String replyFile, Boolean resume) {
}
