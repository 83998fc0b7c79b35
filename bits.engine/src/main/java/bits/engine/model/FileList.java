package bits.engine.model;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;

import bits.api.JobProgress;

/**
 * A job's files in index order: immutable. It keeps what a job asks of its files at each change (the first file not
 * yet transferred, the sums its progress adds up) and updates them with each changed file, so that a job of thousands
 * of small files does not scan or copy them element by element at every file's change.
 */
public final class FileList extends AbstractList<FileRecord> implements RandomAccess {
	private static final FileList EMPTY = new FileList(new FileRecord[0]);

	private final FileRecord[] files;
	/** The first file not completed, or {@code files.length}. */
	private final int firstIncomplete;
	private final int completed;
	/** Files whose size is not known yet: while any is, the job's total is unknown. */
	private final int sizesUnknown;
	private final long sizes;
	private final long transferred;

	private FileList(FileRecord[] files) {
		this.files = files;
		int first = files.length;
		int done = 0;
		int unknown = 0;
		long size = 0;
		long bytes = 0;
		for (int i = 0; i < files.length; i++) {
			FileRecord f = files[i];
			if (f.completed()) {
				done++;
			} else if (first == files.length) {
				first = i;
			}
			if (f.bytesTotal() < 0) {
				unknown++;
			} else {
				size += f.bytesTotal();
			}
			bytes += done(f);
		}
		firstIncomplete = first;
		completed = done;
		sizesUnknown = unknown;
		sizes = size;
		transferred = bytes;
	}

	private FileList(FileRecord[] files, int firstIncomplete, int completed, int sizesUnknown, long sizes, long transferred) {
		this.files = files;
		this.firstIncomplete = firstIncomplete;
		this.completed = completed;
		this.sizesUnknown = sizesUnknown;
		this.sizes = sizes;
		this.transferred = transferred;
	}

	/** @return the files as a file list: the list itself if it is one */
	public static FileList of(List<FileRecord> files) {
		if (files instanceof FileList l) {
			return l;
		}
		if (files.isEmpty()) {
			return EMPTY;
		}
		FileRecord[] a = files.toArray(new FileRecord[0]);
		for (FileRecord f : a) {
			Objects.requireNonNull(f, "file");
		}
		return new FileList(a);
	}

	@Override
	public FileRecord get(int index) {
		return files[index];
	}

	@Override
	public int size() {
		return files.length;
	}

	/** @return this list with the file of the same index replaced */
	public FileList with(FileRecord f) {
		int i = f.index();
		FileRecord old = files[i];
		FileRecord[] a = files.clone();
		a[i] = f;
		int first = firstIncomplete;
		if (!f.completed() && i < first) {
			first = i;
		} else if (f.completed() && i == first) {
			first++;
			while (first < a.length && a[first].completed()) {
				first++;
			}
		}
		return new FileList(a, first, completed + (f.completed() ? 1 : 0) - (old.completed() ? 1 : 0),
				sizesUnknown + (f.bytesTotal() < 0 ? 1 : 0) - (old.bytesTotal() < 0 ? 1 : 0),
				sizes + Math.max(f.bytesTotal(), 0) - Math.max(old.bytesTotal(), 0), transferred + done(f) - done(old));
	}

	/** @return this list with files appended, their indexes following on */
	public FileList plus(List<FileRecord> more) {
		if (more.isEmpty()) {
			return this;
		}
		FileRecord[] a = Arrays.copyOf(files, files.length + more.size());
		for (int i = files.length; i < a.length; i++) {
			a[i] = Objects.requireNonNull(more.get(i - files.length), "file");
		}
		return new FileList(a);
	}

	/**
	 * @return a file's bytes as its record counts them: all of a file whole in its temporary file (also before its
	 *         group made it durable), else its durable progress
	 */
	private static long done(FileRecord f) {
		return f.completed() && f.bytesTotal() > f.bytesTransferred() ? f.bytesTotal() : f.bytesTransferred();
	}

	/** @return the first file not yet transferred, or {@code null} */
	public FileRecord firstIncomplete() {
		return firstIncomplete < files.length ? files[firstIncomplete] : null;
	}

	/**
	 * @param live the bytes received so far of files being transferred, by index, durable or not: a file counts with
	 *        the more of these and its own bytes ({@link #done})
	 */
	public JobProgress progress(Map<Integer, Long> live) {
		long done = transferred;
		for (Map.Entry<Integer, Long> e : live.entrySet()) {
			int i = e.getKey();
			if (i >= 0 && i < files.length) {
				done += Math.max(0, e.getValue() - done(files[i]));
			}
		}
		return new JobProgress(sizesUnknown > 0 ? JobProgress.SIZE_UNKNOWN : sizes, done, files.length, completed);
	}
}
