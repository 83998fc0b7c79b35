package bits.engine.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One engine per store: an OS file lock on {@code bits.lock} in the store directory, holding the owner's pid. The OS
 * drops the lock when the process dies, even by {@code kill -9}.
 */
final class StoreLock implements AutoCloseable {
	private final FileChannel channel;
	private final FileLock lock;

	private StoreLock(FileChannel channel, FileLock lock) {
		this.channel = channel;
		this.lock = lock;
	}

	static StoreLock acquire(Path dir) throws IOException {
		Path file = dir.resolve("bits.lock");
		FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
		FileLock lock;
		try {
			lock = channel.tryLock();
		} catch (OverlappingFileLockException e) {
			channel.close();
			throw new StoreException("store " + dir + " is already open in this process (pid " + ProcessHandle.current().pid() + ")");
		}
		if (lock == null) {
			channel.close();
			String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
			throw new StoreException("store " + dir + " is in use by process " + (pid.isEmpty() ? "?" : pid));
		}
		channel.truncate(0);
		channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
		channel.force(true);
		return new StoreLock(channel, lock);
	}

	@Override
	public void close() throws IOException {
		lock.release();
		channel.close();
	}
}
