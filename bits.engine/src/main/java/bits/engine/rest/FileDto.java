package bits.engine.rest;

import bits.api.TransferFile;

/** One file of a job. */
record FileDto(int index, String remoteUri, String localPath, long bytesTransferred, long bytesTotal, boolean completed, String validation) {
	static FileDto of(TransferFile f) {
		var p = f.getProgress();
		return new FileDto(f.getIndex(), f.getRemoteUri().toString(), f.getLocalPath().toString(), p.bytesTransferred(), p.bytesTotal(),
				p.completed(), f.getValidationState().name());
	}
}
