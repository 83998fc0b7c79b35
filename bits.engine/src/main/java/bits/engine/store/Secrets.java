package bits.engine.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals the secrets a job keeps (passwords, custom header values) before they are written to the database: AES-256-GCM
 * with a key kept in a file of its own, outside the database (created at first use, mode 0600), a fresh nonce per
 * value, and the value's place (job and column) as associated data, so a sealed value cannot be moved to another row.
 * A copy of the database alone reveals no secret.
 */
public final class Secrets {
	/** The prefix of a sealed value; a stored value without it predates sealing (read as is, sealed when migrated). */
	static final String SEALED = "sealed1:";
	private static final int NONCE = 12;
	private static final int TAG_BITS = 128;
	private static final SecureRandom RANDOM = new SecureRandom();

	private final SecretKeySpec key;
	private final Path file;

	private Secrets(SecretKeySpec key, Path file) {
		this.key = key;
		this.file = file;
	}

	/** Reads the key file, creating it with a new random key (mode 0600) if it does not exist. */
	public static Secrets open(Path keyFile) {
		try {
			Files.createDirectories(keyFile.toAbsolutePath().getParent());
			byte[] key = new byte[32];
			RANDOM.nextBytes(key);
			try {
				if (keyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
					// created 0600, not chmod-ed after: no moment in which another user could open it
					Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
					Files.write(keyFile, Base64.getEncoder().encode(key), StandardOpenOption.WRITE, StandardOpenOption.SYNC);
				} else {
					Files.write(keyFile, Base64.getEncoder().encode(key), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
							StandardOpenOption.SYNC);
				}
				setOwnerOnly(keyFile);
			} catch (FileAlreadyExistsException e) {
				key = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).trim());
				if (key.length != 32) {
					throw new StoreException("the secrets key file " + keyFile + " holds " + key.length + " bytes, not 32");
				}
			}
			return new Secrets(new SecretKeySpec(key, "AES"), keyFile);
		} catch (IOException | IllegalArgumentException e) {
			throw new StoreException("cannot read the secrets key file " + keyFile + ": " + e.getMessage(), e);
		}
	}

	/** @return the key file */
	Path file() {
		return file;
	}

	static void setOwnerOnly(Path file) throws IOException {
		if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
		}
	}

	/** @return the sealed form of a value for a place ("job id/column"); an empty value stays empty */
	String seal(String value, String place) {
		if (value.isEmpty()) {
			return value;
		}
		try {
			byte[] nonce = new byte[NONCE];
			RANDOM.nextBytes(nonce);
			Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
			c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
			c.updateAAD(place.getBytes(StandardCharsets.UTF_8));
			byte[] sealed = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
			return SEALED + Base64.getEncoder().encodeToString(ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array());
		} catch (GeneralSecurityException e) {
			throw new StoreException("cannot seal a secret: " + e.getMessage(), e);
		}
	}

	/**
	 * @return the value a stored one holds; a value stored before sealing existed is returned as it is
	 * @throws StoreException if it was sealed with another key (the key file was replaced or lost)
	 */
	String open(String stored, String place) {
		if (!isSealed(stored)) {
			return stored;
		}
		try {
			byte[] all = Base64.getDecoder().decode(stored.substring(SEALED.length()));
			Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
			c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE));
			c.updateAAD(place.getBytes(StandardCharsets.UTF_8));
			return new String(c.doFinal(all, NONCE, all.length - NONCE), StandardCharsets.UTF_8);
		} catch (GeneralSecurityException | IllegalArgumentException e) {
			throw new StoreException("a secret of " + place + " cannot be opened with the key in " + file
					+ " (was the key file replaced or lost?)", e);
		}
	}

	static boolean isSealed(String stored) {
		return stored.startsWith(SEALED);
	}
}
