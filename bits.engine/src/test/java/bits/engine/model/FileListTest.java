package bits.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import bits.api.JobProgress;

/**
 * A job's files keep their first file not yet transferred and their progress's sums up to date with each change (SPEC
 * N12: files are transferred and notified in order); checked against a count of every file after each of many random
 * changes.
 */
class FileListTest {
	private static FileRecord file(int i) {
		return FileRecord.added(i, URI.create("http://127.0.0.1/f" + i), Path.of("/tmp/f" + i), Path.of("/tmp/.f" + i));
	}

	/**
	 * The job's progress counted file by file: a file counts with the most of its durable bytes, the bytes received
	 * (live) and, when it is whole in its temporary file, its size.
	 */
	private static JobProgress counted(List<FileRecord> files, Map<Integer, Long> live) {
		long total = 0;
		long done = 0;
		int filesDone = 0;
		for (FileRecord f : files) {
			total = total < 0 || f.bytesTotal() < 0 ? JobProgress.SIZE_UNKNOWN : total + f.bytesTotal();
			long whole = f.completed() ? Math.max(f.bytesTotal(), 0) : 0;
			done += Math.max(whole, Math.max(f.bytesTransferred(), live.getOrDefault(f.index(), 0L)));
			filesDone += f.completed() ? 1 : 0;
		}
		return new JobProgress(total, done, files.size(), filesDone);
	}

	private static FileRecord firstNotCompleted(List<FileRecord> files) {
		return files.stream().filter(f -> !f.completed()).findFirst().orElse(null);
	}

	@Test
	void theNextFileAndProgressFollowEveryChange() {
		Random random = new Random(42);
		List<FileRecord> added = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			added.add(file(i));
		}
		FileList files = FileList.of(List.of()).plus(added);
		Map<Integer, Long> live = new HashMap<>();
		for (int step = 0; step < 20_000; step++) {
			int i = random.nextInt(files.size());
			FileRecord f = files.get(i);
			long size = 1 + random.nextInt(1000);
			FileRecord changed = switch (random.nextInt(7)) {
				case 0 -> f.withBytesTotal(size);
				case 1 -> f.checkpointed(size / 2, size, "v", false);
				case 2 -> f.checkpointed(size, size, "v", true);
				case 3 -> f.completedUnsynced(size, "v");
				case 4 -> f.uncompleted();
				case 5 -> f.restarted();
				default -> f.withBytesTotal(JobProgress.SIZE_UNKNOWN);
			};
			if (random.nextInt(4) == 0) {
				live.put(i, (long) random.nextInt(2000));
			} else if (random.nextInt(4) == 0) {
				live.remove(i);
			}
			files = files.with(changed);
			assertSame(changed, files.get(i));
			assertEquals(counted(files, live), files.progress(live), "after step " + step);
			assertEquals(firstNotCompleted(files), files.firstIncomplete(), "after step " + step);
		}
	}

	@Test
	void filesCompletedInOrderMoveTheNextFileOn() {
		List<FileRecord> added = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			added.add(file(i));
		}
		FileList files = FileList.of(added);
		// the second completes first (fetched ahead): the first is still next
		files = files.with(files.get(1).completedUnsynced(10, "v"));
		assertEquals(0, files.firstIncomplete().index());
		files = files.with(files.get(0).checkpointed(10, 10, "v", true));
		assertEquals(2, files.firstIncomplete().index(), "the one completed ahead is skipped");
		files = files.with(files.get(2).checkpointed(10, 10, "v", true));
		assertNull(files.firstIncomplete());
		files = files.with(files.get(1).uncompleted()); // its group commit failed
		assertEquals(1, files.firstIncomplete().index());
		assertEquals(new JobProgress(30, 20, 3, 2), files.progress(Map.of()));
	}

	@Test
	void aListIsTakenAsItIsAndNoFileIsNull() {
		FileList files = FileList.of(List.of(file(0)));
		assertSame(files, FileList.of(files));
		List<FileRecord> withNull = new ArrayList<>();
		withNull.add(null);
		assertThrows(NullPointerException.class, () -> FileList.of(withNull));
		assertEquals(List.of(file(0)), files);
		assertEquals(List.of(file(0)).hashCode(), files.hashCode());
	}
}
