package bits.engine.shell;

import java.util.List;
import java.util.Locale;
import java.util.UUID;

import bits.api.ErrorCodes;
import bits.api.JobScope;
import bits.api.TransferException;
import bits.api.TransferJob;
import bits.api.TransferManager;

/** Finds the job a command names: a job id, a unique id prefix, or a unique display name (like bitsadmin). */
final class JobRefs {
	private JobRefs() {
	}

	static TransferJob resolve(TransferManager manager, String ref) {
		if (ref == null || ref.isBlank()) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "no job named: give a job id, id prefix or display name");
		}
		try {
			return manager.getJob(UUID.fromString(ref), JobScope.ALL_OWNERS);
		} catch (IllegalArgumentException notAnId) {
			// a prefix or a display name
		}
		List<TransferJob> all = manager.listJobs(JobScope.ALL_OWNERS);
		String prefix = ref.toLowerCase(Locale.ROOT); // once, not for each job: a shell creating many jobs names each by it
		List<TransferJob> matches = all.stream().filter(j -> j.getId().toString().startsWith(prefix)).toList();
		if (matches.isEmpty()) {
			matches = all.stream().filter(j -> j.getDisplayName().equals(ref)).toList();
		}
		if (matches.isEmpty()) {
			throw new TransferException(ErrorCodes.BG_E_NOT_FOUND, "no job with id, id prefix or display name '" + ref + "'");
		}
		if (matches.size() > 1) {
			throw new TransferException(ErrorCodes.E_INVALIDARG, "'" + ref + "' names " + matches.size() + " jobs: "
					+ matches.stream().map(j -> j.getId().toString()).toList() + "; use a job id");
		}
		return matches.get(0);
	}
}
