package bits.engine.rest;

import static bits.api.ErrorCodes.BG_E_NOT_FOUND;
import static bits.api.ErrorCodes.E_ACCESSDENIED;
import static bits.api.ErrorCodes.E_INVALIDARG;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import bits.api.FileSpec;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.JobType;
import bits.api.TransferJob;
import bits.api.TransferManager;
import bits.engine.jobs.OwnerManagers;

/**
 * What the resources do, on the manager acting for the caller. A request that is refused changes nothing (SPEC S5):
 * its changes are made as one, all or none; a new job is stored with them in one commit (SPEC J9).
 */
final class JobResources {
	private final OwnerManagers managers;
	private final TransferManager manager;
	private final Caller caller;

	JobResources(OwnerManagers managers, Caller caller) {
		this.managers = managers;
		this.manager = managers.forOwner(caller.owner(), caller.admin());
		this.caller = caller;
	}

	List<JobDto> list(boolean all) {
		if (all && !caller.admin()) {
			throw new ApiException(403, E_ACCESSDENIED, "only the admin token may list every owner's jobs (all=true)");
		}
		return manager.listJobs(all ? JobScope.ALL_OWNERS : JobScope.OWNER).stream().map(JobDto::of).toList();
	}

	JobDto create(JobRequest request) {
		List<FileSpec> files = files(request); // bad paths and URIs are refused before anything is created
		if (request.displayName() == null) {
			throw new ApiException(400, E_INVALIDARG, "a new job needs a displayName");
		}
		// one durable call (SPEC J9): the job is stored with its files and properties, or not at all
		JobType type = request.type() == null ? JobType.DOWNLOAD : request.type();
		return JobDto.of(manager.createJob(request.displayName(), type, job -> apply(job, request, files)));
	}

	JobDto get(String id) {
		return JobDto.of(job(id));
	}

	JobDto patch(String id, JobRequest request) {
		if (request.type() != null) {
			throw new ApiException(400, E_INVALIDARG, "a job's type is given when it is created, not changed");
		}
		List<FileSpec> files = files(request);
		TransferJob job = job(id);
		managers.atomically(job, () -> apply(job, request, files));
		return JobDto.of(job);
	}

	List<FileDto> files(String id) {
		return job(id).getFiles().stream().map(FileDto::of).toList();
	}

	/** @return an upload-reply job's whole reply, up to 1 MiB (BITS GetReplyData) */
	byte[] reply(String id) {
		return job(id).getReplyData();
	}

	JobDto act(String id, String action) {
		TransferJob job = job(id);
		switch (action) {
		case "resume" -> job.resume();
		case "suspend" -> job.suspend();
		case "cancel" -> job.cancel();
		case "complete" -> job.complete();
		default -> throw new ApiException(404, BG_E_NOT_FOUND, "no action '" + action + "'");
		}
		return JobDto.of(job);
	}

	List<HandlerDto> handlers() {
		return manager.listHandlers().stream().map(HandlerDto::of).toList();
	}

	EngineDto engine(String version, Path store, int stuckCallbacks) {
		Map<String, Integer> perState = new LinkedHashMap<>();
		EnumSet.allOf(JobState.class).forEach(s -> perState.put(s.name(), 0));
		manager.listJobs(caller.admin() ? JobScope.ALL_OWNERS : JobScope.OWNER).forEach(j -> perState.merge(j.getState().name(), 1, Integer::sum));
		return new EngineDto(version, caller.admin() ? store.toString() : null, perState, stuckCallbacks, handlers());
	}

	/** Another owner's job does not exist for the caller (SPEC S2); the admin sees every owner's. */
	private TransferJob job(String id) {
		UUID uuid;
		try {
			uuid = UUID.fromString(id);
		} catch (IllegalArgumentException e) {
			throw new ApiException(404, BG_E_NOT_FOUND, "no job " + id);
		}
		return manager.getJob(uuid, caller.admin() ? JobScope.ALL_OWNERS : JobScope.OWNER);
	}

	private static List<FileSpec> files(JobRequest request) {
		List<FileSpec> specs = new ArrayList<>();
		if (request.files() == null) {
			return specs;
		}
		for (FileRequest f : request.files()) {
			if (f == null || f.remote() == null || f.local() == null) {
				throw new ApiException(400, E_INVALIDARG, "a file needs a remote URI and a local path");
			}
			try {
				specs.add(new FileSpec(new URI(f.remote()), Path.of(f.local())));
			} catch (URISyntaxException | InvalidPathException e) {
				throw new ApiException(400, E_INVALIDARG, "bad file " + f.remote() + " -> " + f.local() + ": " + e.getMessage());
			}
		}
		return specs;
	}

	/** Sets one property if the request gives it. */
	private static <T> void set(T value, Consumer<T> setter) {
		if (value != null) {
			setter.accept(value);
		}
	}

	private static Duration seconds(Long seconds) {
		return seconds == null ? null : Duration.ofSeconds(seconds);
	}

	/** Sets the properties given, adds the files, resumes: in one batch (see {@link OwnerManagers#atomically}). */
	private static void apply(TransferJob job, JobRequest r, List<FileSpec> files) {
		set(r.displayName(), job::setDisplayName);
		set(r.description(), job::setDescription);
		set(r.priority(), job::setPriority);
		set(r.notifyFlags(), job::setNotifyFlags);
		set(seconds(r.minimumRetryDelaySeconds()), job::setMinimumRetryDelay);
		set(seconds(r.noProgressTimeoutSeconds()), job::setNoProgressTimeout);
		set(r.customHeaders(), job::setCustomHeaders);
		set(r.maxDownloadSize(), job::setMaxDownloadSize);
		set(r.redirectPolicy(), job::setRedirectPolicy);
		set(r.uploadProtocol(), job::setUploadProtocol);
		set(r.replyFile(), f -> job.setReplyFileName(Path.of(f)));
		// an empty handler id clears it
		set(r.handlerId(), id -> job.setHandlerId(id.isEmpty() ? null : id));
		if (!files.isEmpty()) {
			job.addFiles(files);
		}
		if (Boolean.TRUE.equals(r.resume())) {
			job.resume();
		}
	}
}
