package bits.engine.rest;

import bits.api.ErrorCodes;
import bits.api.JobError;

/** A job's error: where, the BITS code in hex ("0x80190194"), what, and the file's index if one file caused it. */
record JobErrorDto(String context, String code, String description, Integer file) {
	static JobErrorDto of(JobError e) {
		return e == null ? null : new JobErrorDto(e.context().name(), ErrorCodes.hex(e.code()), e.description(), e.fileIndex().orElse(null));
	}
}
