package bits.engine.upload;

import static bits.engine.upload.SessionException.Reason.BEYOND_LENGTH;
import static bits.engine.upload.SessionException.Reason.DISK_FULL;
import static bits.engine.upload.SessionException.Reason.EXISTS;
import static bits.engine.upload.SessionException.Reason.GONE;
import static bits.engine.upload.SessionException.Reason.INCOMPLETE;
import static bits.engine.upload.SessionException.Reason.INTERRUPTED;
import static bits.engine.upload.SessionException.Reason.IO;
import static bits.engine.upload.SessionException.Reason.LENGTH_CHANGED;
import static bits.engine.upload.SessionException.Reason.NOT_FOUND;
import static bits.engine.upload.SessionException.Reason.OFFSET;
import static bits.engine.upload.SessionException.Reason.TOO_LARGE;
import static bits.engine.upload.SessionException.Reason.TOO_MANY;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import bits.engine.files.DurableFiles;
import bits.engine.files.TemporaryFiles;
import bits.engine.files.UnsafeFileException;

/**
 * The resumable-upload core of one endpoint, shared by the BITS upload protocol and tus: sessions that receive a file's
 * bytes in order, durably, from any number of requests, and then move it into place or drop it.
 * <p>
 * Each session lives in {@code DIRECTORY/}{@value #AREA}{@code /ID/}: its record ({@code session.json}) and its data,
 * on the destination's file system so that closing is one atomic rename. The record on disk counts only synced bytes,
 * so what it says survives a crash; bytes written past that are cut off when the session is next written to. The
 * bytes are synced, and the record written, every {@value #SYNC_BYTES} bytes, at the last byte (before it is
 * acknowledged) and at a clean stop, not per request, so that a request does not wait for the disk. After a crash of
 * the engine or the machine a session may so hold less than it acknowledged; both protocols resume from the offset the
 * server answers. Requests to one session are served one at a time.
 */
public final class UploadSessions {
	/** The directory, inside the endpoint's, that holds the sessions. */
	public static final String AREA = ".bits-sessions";
	static final String RECORD = "session.json";
	static final String DATA = "data";
	static final String REPLY = "reply";
	static final String CLOSED = ".closed";
	/** How long a request waits for the one before it on the same session (a slow body, a listener's answer). */
	static final int LOCK_WAIT_SECONDS = 60;
	/** The unsynced bytes a session may hold: what a crash may make its client send again. */
	static final long SYNC_BYTES = 64L << 20;
	private static final ObjectMapper JSON = JsonMapper.builder().build();
	private static final LinkOption[] NOFOLLOW = { LinkOption.NOFOLLOW_LINKS };
	private static final int BUFFER = 256 << 10;

	/**
	 * What the endpoint allows.
	 *
	 * @param maxBytes the largest upload, 0 for no limit
	 * @param timeoutMillis a session not written to for this long is dropped
	 * @param overwrite whether closing replaces a file of the same name
	 * @param perOwner how many open sessions one caller may have
	 */
	public record Rules(long maxBytes, long timeoutMillis, boolean overwrite, int perOwner) {
	}

	private static final class Slot {
		final ReentrantLock lock = new ReentrantLock();
		volatile SessionRecord record;
		/** The record as it is on disk: its bytes are synced. Under lock. */
		SessionRecord saved;
		boolean gone; // under lock

		Slot(SessionRecord record) {
			this.record = record;
			this.saved = record;
		}
	}

	private final Path root;
	private final Path area;
	private final LongSupplier clock;
	private final Map<String, Slot> slots = new ConcurrentHashMap<>();
	private volatile Rules rules;

	private UploadSessions(Path root, Path area, Rules rules, LongSupplier clock) {
		this.root = root;
		this.area = area;
		this.rules = rules;
		this.clock = clock;
	}

	/**
	 * Opens the sessions of the endpoint directory {@code directory}, as an earlier run left them; drops the expired.
	 *
	 * @throws IOException if the directory does not exist, or its sessions' directory is not the server's own
	 */
	public static UploadSessions open(Path directory, Rules rules, LongSupplier clock) throws IOException {
		Path root = directory.toRealPath();
		if (!Files.isDirectory(root)) {
			throw new IOException(directory + " is not a directory");
		}
		Path area = root.resolve(AREA);
		try {
			Files.createDirectory(area, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		} catch (FileAlreadyExistsException e) {
			if (!Files.readAttributes(area, BasicFileAttributes.class, NOFOLLOW).isDirectory()) {
				throw new UnsafeFileException(area + " is not a directory (a link?): the upload sessions are not kept through it");
			}
		} catch (UnsupportedOperationException e) {
			Files.createDirectories(area);
		}
		UploadSessions sessions = new UploadSessions(root, area, rules, clock);
		sessions.load();
		sessions.expire();
		return sessions;
	}

	/** Takes new rules; sessions already open keep their data. */
	public void rules(Rules changed) {
		rules = changed;
	}

	public Rules rules() {
		return rules;
	}

	/** @return the endpoint's directory, as a real path */
	public Path root() {
		return root;
	}

	/**
	 * Opens a session for the file {@code name} (relative to the endpoint's directory).
	 *
	 * @param length the total length, or -1 if the client gives it later
	 * @throws SessionException BAD_NAME, TOO_LARGE, EXISTS (when the endpoint does not overwrite), TOO_MANY, IO
	 */
	public SessionRecord create(String protocol, String name, String owner, long length, Map<String, String> metadata) throws SessionException {
		maybeExpire();
		Rules r = rules;
		Path destination = UploadNames.destination(root, name);
		if (r.maxBytes() > 0 && length > r.maxBytes()) {
			throw new SessionException(TOO_LARGE, length + " bytes is more than this endpoint takes (" + r.maxBytes() + ")");
		}
		if (Files.isDirectory(destination, NOFOLLOW)) {
			throw new SessionException(SessionException.Reason.BAD_NAME, name + " is a directory");
		}
		if (!r.overwrite() && Files.exists(destination, NOFOLLOW)) {
			throw new SessionException(EXISTS, name + " exists, and this endpoint does not overwrite");
		}
		String id = UUID.randomUUID().toString();
		synchronized (this) { // counted and entered together: a caller's racing creates cannot pass the limit
			long open = slots.values().stream().filter(s -> s.record.owner().equals(owner)).count();
			if (open >= r.perOwner()) {
				throw new SessionException(TOO_MANY, owner + " has " + open + " open upload sessions, as many as this endpoint allows");
			}
			long now = clock.getAsLong();
			try {
				Path dir = Files.createDirectory(area.resolve(id));
				String key;
				try (TemporaryFiles.Opened data = TemporaryFiles.open(dir.resolve(DATA), null)) {
					key = data.key();
				}
				SessionRecord record = new SessionRecord(id, protocol, name, owner, length, 0, now, now, key, metadata, false, false, true, null);
				save(record);
				DurableFiles.syncDirectory(area);
				slots.put(id, new Slot(record));
				return record;
			} catch (IOException e) {
				throw failure(e, "cannot create an upload session in " + area);
			}
		}
	}

	/** @return the caller's session {@code id}, if it is open */
	public Optional<SessionRecord> find(String id, String owner) {
		Slot s = id == null ? null : slots.get(id);
		return s == null || !s.record.owner().equals(owner) ? Optional.empty() : Optional.of(s.record);
	}

	/**
	 * Receives bytes of the file from {@code offset} on. A request that starts before the received bytes end and goes
	 * past them has its known part skipped; one that starts after them (a gap), or ends before them (nothing new), is
	 * refused with the offset expected.
	 *
	 * @param total the file's total length if the request gives it, else -1; it may not change once given
	 * @param count the request's length, or -1 if it runs to the end of {@code body}
	 * @return the session after the request
	 * @throws SessionException NOT_FOUND, OFFSET, LENGTH_CHANGED, BEYOND_LENGTH, TOO_LARGE, INTERRUPTED (the bytes that
	 *         came are kept), DISK_FULL, IO
	 */
	public SessionRecord write(String id, String owner, long offset, long total, long count, InputStream body) throws SessionException {
		return write(id, owner, offset, total, count, body, null);
	}

	/**
	 * As {@link #write(String, String, long, long, long, InputStream)}, with a check over the request's bytes (a
	 * checksum), or null for none: with one, a request is kept only if its body came whole and {@code accepted} says so
	 * once it is read; otherwise nothing of it counts.
	 */
	public SessionRecord write(String id, String owner, long offset, long total, long count, InputStream body, BooleanSupplier accepted)
			throws SessionException {
		maybeExpire();
		Slot s = locked(id, owner);
		try {
			SessionRecord r = s.record;
			long length = r.length();
			if (total >= 0) {
				if (length >= 0 && length != total) {
					throw new SessionException(LENGTH_CHANGED, "the upload's total length was " + length + ", now " + total);
				}
				length = total;
			}
			long max = rules.maxBytes();
			if (max > 0 && length > max) {
				throw new SessionException(TOO_LARGE, length + " bytes is more than this endpoint takes (" + max + ")");
			}
			if (offset < 0 || offset > r.received() || count > 0 && offset + count <= r.received() || count == 0 && offset != r.received()) {
				throw new SessionException(OFFSET, "the request starts at " + offset + ", the session expects " + r.received(), r.received());
			}
			if (length >= 0 && count >= 0 && offset + count > length) {
				throw new SessionException(BEYOND_LENGTH, "the request ends at " + (offset + count) + ", past the upload's length " + length);
			}
			long skip = r.received() - offset;
			long room = length >= 0 ? length - r.received() : max > 0 ? max - r.received() : Long.MAX_VALUE;
			long wanted = count >= 0 ? count - skip : room;
			return receive(s, r, length, skip, wanted, count < 0, body, accepted);
		} finally {
			s.lock.unlock();
		}
	}

	private SessionRecord receive(Slot s, SessionRecord r, long length, long skip, long wanted, boolean toEnd, InputStream body,
			BooleanSupplier accepted) throws SessionException {
		long written = 0;
		SessionException refused = null;
		try {
			long held = Files.size(dataFile(r));
			if (held < r.received()) {
				throw new NoSuchFileException(dataFile(r) + " has " + held + " bytes, fewer than the " + r.received() + " received");
			}
		} catch (NoSuchFileException e) { // deleted or cut short outside the engine: never filled with zeros
			forget(s);
			throw new SessionException(GONE, "the uploaded data of " + r.name() + " is gone from the server: " + e.getMessage());
		} catch (IOException e) {
			throw failure(e, "cannot read the upload " + r.name());
		}
		try (TemporaryFiles.Opened data = TemporaryFiles.open(dataFile(r), r.dataKey())) {
			FileChannel c = data.channel();
			if (c.size() != r.received()) {
				c.truncate(r.received()); // what a crash or a refused request left past the durable bytes
			}
			try {
				body.skipNBytes(skip);
			} catch (IOException e) { // EOFException too: the body ended within the bytes the session had
				throw new SessionException(INTERRUPTED, "the request's body broke off before the bytes the session did not have: " + e.getMessage());
			}
			byte[] buffer = new byte[(int) Math.min(BUFFER, Math.max(1, wanted))];
			while (written < wanted) {
				int n;
				try {
					n = body.read(buffer, 0, (int) Math.min(buffer.length, wanted - written));
				} catch (IOException e) {
					refused = new SessionException(INTERRUPTED, "the request's body broke off after " + (skip + written) + " bytes: " + e.getMessage());
					break;
				}
				if (n < 0) {
					break;
				}
				ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
				long at = r.received() + written;
				while (b.hasRemaining()) {
					at += c.write(b, at); // a failure here (disk full) ends the request; the record keeps the bytes before
				}
				written += n;
			}
			if (refused == null && toEnd && written == wanted && more(body)) {
				refused = length >= 0 ? new SessionException(BEYOND_LENGTH, "the request goes past the upload's length " + length)
						: new SessionException(TOO_LARGE, "the upload is larger than this endpoint takes (" + rules.maxBytes() + ")");
			} else if (refused == null && !toEnd && written < wanted) {
				refused = new SessionException(INTERRUPTED, "the request's body ended after " + (skip + written) + " of " + (skip + wanted) + " bytes");
			}
			if (accepted != null && (refused != null || !accepted.getAsBoolean())) {
				c.truncate(r.received()); // bytes no check vouches for
				throw refused != null ? refused : new SessionException(SessionException.Reason.CHECKSUM, "the request's checksum does not match its bytes");
			}
			SessionRecord after = r.with(length, r.received() + written, clock.getAsLong());
			SessionRecord saved = s.saved;
			if (after.whole() || after.length() != saved.length() || after.received() - saved.received() >= SYNC_BYTES) {
				if (after.received() != saved.received()) {
					c.force(false); // before the record counts them
				}
				save(after);
				s.saved = after;
			}
			s.record = after;
			if (refused != null) {
				throw refused;
			}
			return after;
		} catch (IOException e) {
			throw failure(e, "cannot write the upload " + r.name());
		}
	}

	/**
	 * Moves the whole file into place, atomically, and ends the session. A close repeated after a crash that came
	 * after the move finds the file in place and succeeds.
	 *
	 * @return the file's place
	 * @throws SessionException NOT_FOUND, INCOMPLETE, EXISTS (when the endpoint does not overwrite), BAD_NAME, IO
	 */
	public Path close(String id, String owner) throws SessionException {
		Slot s = locked(id, owner);
		try {
			SessionRecord r = s.record;
			if (!r.whole()) {
				throw new SessionException(INCOMPLETE, "the upload has " + r.received() + " of " + (r.length() < 0 ? "an unknown number of" : r.length()) + " bytes");
			}
			Path destination = UploadNames.destination(root, r.name());
			if (!r.placed()) {
				closed(s); // the listener took what it wanted
				return destination;
			}
			Path data = dataFile(r);
			try {
				if (r.dataKey() != null && r.dataKey().equals(TemporaryFiles.identityOf(destination))) {
					// a close cut off by a crash after the rename, or after the link and before the unlink: in place
					Files.deleteIfExists(data);
					DurableFiles.syncDirectory(data.getParent());
					closed(s);
					return destination;
				}
				if (Files.notExists(data, NOFOLLOW)) {
					forget(s); // nothing left to close
					throw new SessionException(GONE, "the uploaded data of " + r.name() + " was deleted on the server");
				}
				TemporaryFiles.checkOurs(data, r.dataKey());
				if (Files.size(data) < r.length()) {
					throw new UnsafeFileException(data + " has " + Files.size(data) + " bytes, not the " + r.length() + " received");
				}
				try (TemporaryFiles.Opened d = TemporaryFiles.open(data, r.dataKey())) {
					d.channel().truncate(r.length());
				}
				TemporaryFiles.takePermissionsOf(data, destination);
				if (rules.overwrite()) {
					Files.move(data, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
				} else {
					Files.createLink(destination, data); // fails if the name is taken, even by a link: never replaces
					Files.delete(data);
				}
				DurableFiles.syncDirectory(destination.getParent());
			} catch (FileAlreadyExistsException e) {
				throw new SessionException(EXISTS, r.name() + " exists, and this endpoint does not overwrite");
			} catch (AtomicMoveNotSupportedException e) {
				throw new SessionException(IO, "cannot rename the upload atomically onto " + r.name() + " (another file system?)");
			} catch (IOException e) {
				throw failure(e, "cannot move the upload onto " + r.name());
			}
			closed(s);
			return destination;
		} finally {
			s.lock.unlock();
		}
	}

	/** Ends the session and deletes what it received. */
	public void cancel(String id, String owner) throws SessionException {
		Slot s = locked(id, owner);
		try {
			forget(s);
		} finally {
			s.lock.unlock();
		}
	}

	/** Who answers a whole upload: the answer, or null if nobody does. */
	public interface Answering {
		ApplicationNotification.Answer answer(SessionRecord r) throws Exception;
	}

	/**
	 * Asks for the answer to a whole upload once (its reply data, an upload-reply's reply, kept until the session ends;
	 * whether closing puts the file in place): under the session's lock, so that concurrent requests (a last fragment
	 * sent again while its answer is awaited) neither ask twice nor race; a session already answered is returned as it is.
	 */
	public SessionRecord answerOnce(String id, String owner, Answering answering) throws Exception {
		Slot s = locked(id, owner);
		try {
			SessionRecord r = s.record;
			if (r.answered() || !r.whole()) {
				return r;
			}
			ApplicationNotification.Answer a = answering.answer(r);
			if (a == null) {
				return r;
			}
			try {
				if (a.reply() != null) {
					DurableFiles.replace(area.resolve(r.id()).resolve(REPLY), a.reply());
				}
				SessionRecord after = r.answered(a.reply() != null, a.placed(), a.replyUrl(), clock.getAsLong());
				save(after); // whole: its bytes were synced at the last one
				s.saved = after;
				s.record = after;
				return after;
			} catch (IOException e) {
				throw failure(e, "cannot store the reply of " + r.name());
			}
		} finally {
			s.lock.unlock();
		}
	}

	/**
	 * Syncs the bytes every session received and writes its record, so that after a clean stop no client sends any
	 * again; a session still in use a second later is left as its record says (synced bytes only).
	 */
	public void flush() {
		for (Slot s : slots.values()) {
			try {
				if (!s.lock.tryLock(1, TimeUnit.SECONDS)) {
					continue;
				}
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				return;
			}
			try {
				SessionRecord r = s.record;
				if (!s.gone && r != s.saved) {
					try (TemporaryFiles.Opened data = TemporaryFiles.open(dataFile(r), r.dataKey())) {
						data.channel().force(false);
					}
					save(r);
					s.saved = r;
				}
			} catch (IOException e) {
				// the record on disk still counts synced bytes only: the client sends the others again
			} finally {
				s.lock.unlock();
			}
		}
	}

	/** @return the stored reply's file, if the caller's session has one */
	public Optional<Path> reply(String id, String owner) {
		return find(id, owner).filter(SessionRecord::reply).map(r -> area.resolve(r.id()).resolve(REPLY));
	}

	/** @return the whole upload's data, for whoever the endpoint hands it to before it is closed */
	public Path data(SessionRecord r) {
		return dataFile(r);
	}

	/** @return where a server application notified by reference writes its reply (read by the endpoint when it answers) */
	public Path replyFile(SessionRecord r) {
		return area.resolve(r.id()).resolve(REPLY);
	}

	/** Drops the sessions not written to within the timeout; @return how many */
	public int expire() {
		long now = clock.getAsLong();
		long timeout = rules.timeoutMillis();
		int dropped = 0;
		for (Slot s : slots.values()) {
			if (now - s.record.touched() > timeout && s.lock.tryLock()) {
				try {
					if (!s.gone && now - s.record.touched() > timeout) {
						forget(s);
						dropped++;
					}
				} catch (SessionException e) {
					// left for the next round
				} finally {
					s.lock.unlock();
				}
			}
		}
		for (Map.Entry<String, Closed> c : closedSessions.entrySet()) {
			if (now - c.getValue().at() > timeout && closedSessions.remove(c.getKey(), c.getValue())) {
				try {
					Files.deleteIfExists(area.resolve(c.getKey() + CLOSED));
				} catch (IOException e) {
					// read again at the next start, and dropped then
				}
			}
		}
		return dropped;
	}

	/** @return the open sessions */
	public List<SessionRecord> list() {
		List<SessionRecord> all = new ArrayList<>();
		slots.values().forEach(s -> all.add(s.record));
		return all;
	}

	private Slot locked(String id, String owner) throws SessionException {
		Slot s = id == null ? null : slots.get(id);
		if (s == null || !s.record.owner().equals(owner)) {
			throw new SessionException(NOT_FOUND, "no upload session " + id);
		}
		try {
			if (!s.lock.tryLock(LOCK_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
				throw new SessionException(SessionException.Reason.BUSY, "another request to the session has held it for " + LOCK_WAIT_SECONDS + " s");
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new SessionException(IO, "interrupted while waiting for the session's previous request");
		}
		if (s.gone) {
			s.lock.unlock();
			throw new SessionException(NOT_FOUND, "no upload session " + id);
		}
		return s;
	}

	/** Deletes the session's files, the record last; then the directory. Under the slot's lock. */
	private void forget(Slot s) throws SessionException {
		SessionRecord r = s.record;
		Path dir = area.resolve(r.id());
		try {
			// the area is the engine's alone (0700): its names are unlinked whatever they hold, which never follows a link
			Files.deleteIfExists(dir.resolve(DATA));
			Files.deleteIfExists(dir.resolve(REPLY));
			Files.deleteIfExists(dir.resolve(RECORD + ".next"));
			Files.deleteIfExists(dir.resolve(RECORD));
			Files.deleteIfExists(dir);
			DurableFiles.syncDirectory(area);
		} catch (IOException e) {
			throw failure(e, "cannot delete the upload session " + r.id());
		}
		s.gone = true;
		slots.remove(r.id(), s);
	}

	/** A session that was closed: a repeated Close-Session (its Ack lost) is answered as the first one was. */
	private record Closed(String owner, long at, long length) {
	}

	private final Map<String, Closed> closedSessions = new ConcurrentHashMap<>();
	private volatile long lastExpiry;

	/** Ends a closed session, keeping a note of it until the session timeout. Under the slot's lock. */
	private void closed(Slot s) throws SessionException {
		SessionRecord r = s.record;
		long now = clock.getAsLong();
		try {
			DurableFiles.replace(area.resolve(r.id() + CLOSED), (r.owner() + "\n" + r.length()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
		} catch (IOException e) {
			throw failure(e, "cannot note the close of " + r.id());
		}
		closedSessions.put(r.id(), new Closed(r.owner(), now, r.length()));
		forget(s);
	}

	/** @return whether the caller's session {@code id} was closed within the session timeout */
	public boolean wasClosed(String id, String owner) {
		return closedLength(id, owner) >= 0;
	}

	/** @return the length of the caller's session {@code id} if it was closed within the session timeout, else -1 */
	public long closedLength(String id, String owner) {
		Closed c = id == null ? null : closedSessions.get(id);
		return c != null && c.owner().equals(owner) ? c.length() : -1;
	}

	/** Expires sessions at most once a minute, from any request: an idle endpoint keeps nothing past its timeout for long. */
	private void maybeExpire() {
		long now = clock.getAsLong();
		if (now - lastExpiry > 60_000) {
			lastExpiry = now;
			expire();
		}
	}

	private void load() throws IOException {
		try (DirectoryStream<Path> dirs = Files.newDirectoryStream(area)) {
			for (Path dir : dirs) {
				String fileName = dir.getFileName().toString();
				if (fileName.endsWith(CLOSED) && Files.isRegularFile(dir, NOFOLLOW)) {
					String[] note = new String(Files.readAllBytes(dir), java.nio.charset.StandardCharsets.UTF_8).split("\n");
					long length = note.length > 1 && note[1].matches("\\d+") ? Long.parseLong(note[1]) : 0;
					closedSessions.put(fileName.substring(0, fileName.length() - CLOSED.length()),
							new Closed(note[0], Files.getLastModifiedTime(dir).toMillis(), length));
					continue;
				}
				if (!Files.isDirectory(dir, NOFOLLOW)) {
					continue;
				}
				Path record = dir.resolve(RECORD);
				try {
					SessionRecord read = JSON.readValue(Files.readAllBytes(record), SessionRecord.class);
					// the record is written every SYNC_BYTES: the data's last write tells when the session was last used
					long written = Files.exists(dir.resolve(DATA), NOFOLLOW) ? Files.getLastModifiedTime(dir.resolve(DATA), NOFOLLOW).toMillis() : 0;
					SessionRecord r = written > read.touched() ? read.with(read.length(), read.received(), written) : read;
					if (r.id().equals(dir.getFileName().toString())) {
						slots.put(r.id(), new Slot(r));
					}
				} catch (com.fasterxml.jackson.core.JacksonException e) {
					continue; // an unreadable record: that session is left as it is, and the endpoint serves the others
				} catch (NoSuchFileException e) {
					// a crash while creating it: no client was told its id
					TemporaryFiles.delete(dir.resolve(DATA), null);
					Files.deleteIfExists(dir.resolve(RECORD + ".next"));
					Files.deleteIfExists(dir);
				}
			}
		}
	}

	private void save(SessionRecord r) throws IOException {
		DurableFiles.replace(area.resolve(r.id()).resolve(RECORD), JSON.writeValueAsBytes(r));
	}

	private Path dataFile(SessionRecord r) {
		return area.resolve(r.id()).resolve(DATA);
	}

	private static boolean more(InputStream body) {
		try {
			return body.read() >= 0;
		} catch (IOException e) {
			return false;
		}
	}

	private static boolean isWriteFailure(IOException e) {
		return String.valueOf(e.getMessage()).contains("No space left");
	}

	private static SessionException failure(IOException e, String what) {
		if (isWriteFailure(e)) {
			return new SessionException(DISK_FULL, what + ": the disk is full");
		}
		if (e instanceof UnsafeFileException) {
			return new SessionException(IO, what + ": " + e.getMessage());
		}
		return new SessionException(IO, what + ": " + e);
	}
}
