package bits.engine.jobs;

import java.util.EnumSet;

import bits.engine.store.FileRow;
import bits.engine.store.JobRow;

/** Snapshots of a row's mutable fields, to undo a change the store refused. */
final class Rows {
	private Rows() {
	}

	static JobRow copy(JobRow j) {
		JobRow c = new JobRow(j.id, j.owner, j.type, j.displayName, j.created);
		restore(c, j);
		return c;
	}

	static void restore(JobRow j, JobRow from) {
		j.state = from.state;
		j.displayName = from.displayName;
		j.description = from.description;
		j.priority = from.priority;
		j.minimumRetryDelay = from.minimumRetryDelay;
		j.noProgressTimeout = from.noProgressTimeout;
		j.minimumNotificationInterval = from.minimumNotificationInterval;
		j.customHeaders.clear();
		j.customHeaders.putAll(from.customHeaders);
		j.credentials.clear();
		j.credentials.putAll(from.credentials);
		j.proxySettings = from.proxySettings;
		j.maxDownloadSize = from.maxDownloadSize;
		j.redirectPolicy = from.redirectPolicy;
		j.notifyFlags = EnumSet.copyOf(from.notifyFlags);
		j.handlerId = from.handlerId;
		j.error = from.error;
		j.notificationError = from.notificationError;
		j.modified = from.modified;
		j.transferred = from.transferred;
		j.lastProgress = from.lastProgress;
		j.retryAt = from.retryAt;
		j.plainHttpAuthentication = from.plainHttpAuthentication;
		if (j != from) {
			j.notices.clear();
			j.notices.addAll(from.notices);
			j.files.clear(); // the files a failed change added go; those it kept are the same objects
			j.files.addAll(from.files);
		}
	}

	static FileRow copy(FileRow f) {
		FileRow c = new FileRow(f.index, f.remote, f.local, f.temporary);
		restore(c, f);
		return c;
	}

	static void restore(FileRow f, FileRow from) {
		f.bytesTotal = from.bytesTotal;
		f.bytesTransferred = from.bytesTransferred;
		f.completed = from.completed;
		f.validation = from.validation;
		f.validator = from.validator;
		f.temporaryKey = from.temporaryKey;
	}
}
