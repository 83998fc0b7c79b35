package bits.engine.rest;

import static bits.api.ErrorCodes.E_ACCESSDENIED;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import bits.engine.jobs.OwnerManagers;

/**
 * The API's bearer tokens (SPEC S2), in the file {@value #FILE} of the store directory: one {@code TOKEN OWNER} line
 * each, the owner {@code *} being the admin. The file is created at first start with one admin token, readable by
 * the engine's user only.
 */
@Component(service = ApiTokens.class, immediate = true) // the admin token exists from the first start
public class ApiTokens {
	static final String FILE = "api-tokens";
	private static final SecureRandom RANDOM = new SecureRandom();

	@Reference(service = LoggerFactory.class)
	private Logger log;

	@Reference
	private OwnerManagers managers;

	private Path file;

	@Activate
	void activate() {
		file = managers.storeDirectory().resolve(FILE);
		try {
			Files.createDirectories(file.getParent());
			write(StandardOpenOption.CREATE_NEW, newToken() + " " + Caller.ADMIN + "\n");
			log.info("created the API's admin token in {}", file);
		} catch (FileAlreadyExistsException e) {
			// created at an earlier start: kept
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Adds a token for {@code owner}; @return the token */
	synchronized String add(String owner) {
		// not an option either: "bits:apitoken --help" must not make a token for the owner "--help"
		if (owner == null || owner.isBlank() || owner.startsWith("-")
				|| owner.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
			throw new IllegalArgumentException("an owner is one word, not starting with '-': '" + owner + "'");
		}
		String token = newToken();
		try {
			write(StandardOpenOption.APPEND, token + " " + owner + "\n");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return token;
	}

	/**
	 * @param header the request's Authorization header, or null (a string, not the request: this component runs
	 *        without the servlet API, for bits:apitoken)
	 * @return whom the request's bearer token acts for
	 * @throws ApiException 401 without a token or with an unknown one
	 */
	Caller authenticate(String header) {
		if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
			throw new ApiException(401, E_ACCESSDENIED, "no bearer token (Authorization: Bearer TOKEN)");
		}
		return caller(header.substring(7).trim()).orElseThrow(() -> new ApiException(401, E_ACCESSDENIED, "unknown token"));
	}

	/**
	 * Whom an Authorization header acts for, for the engine's upload endpoints: a bearer token, or HTTP Basic
	 * credentials whose password is a token (the user name is not checked), as BITS clients send them.
	 *
	 * @return the owner the token maps to ({@value Caller#ADMIN} for the admin), or empty for no or an unknown token
	 */
	public Optional<String> owner(String header) {
		if (header == null) {
			return Optional.empty();
		}
		String token = null;
		if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
			token = header.substring(7).trim();
		} else if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
			try {
				String pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
				token = pair.indexOf(':') < 0 ? null : pair.substring(pair.indexOf(':') + 1);
			} catch (IllegalArgumentException e) {
				return Optional.empty();
			}
		}
		return token == null || token.isEmpty() ? Optional.empty() : caller(token).map(Caller::owner);
	}

	/** @return whom the token acts for; every line is compared, in constant time, so timing tells nothing */
	synchronized Optional<Caller> caller(String token) {
		byte[] given = token.getBytes(StandardCharsets.UTF_8);
		Caller found = null;
		for (String[] line : lines()) {
			if (MessageDigest.isEqual(given, line[0].getBytes(StandardCharsets.UTF_8)) && found == null) {
				found = new Caller(line[1], line[1].equals(Caller.ADMIN));
			}
		}
		return Optional.ofNullable(found);
	}

	/** Read at each request, so that tokens added or removed by editing the file count at once. */
	private List<String[]> lines() {
		List<String[]> result = new ArrayList<>();
		try {
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				String[] parts = line.trim().split("\\s+");
				if (parts.length == 2 && !parts[0].startsWith("#")) {
					result.add(parts);
				}
			}
		} catch (IOException e) {
			log.error("cannot read the API's tokens in {}: {}", file, e.toString());
		}
		return result;
	}

	private void write(StandardOpenOption mode, String line) throws IOException {
		if (mode == StandardOpenOption.CREATE_NEW && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			// created 0600 from the start: never readable by others, not even for a moment
			Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
			mode = StandardOpenOption.APPEND;
		}
		Files.writeString(file, line, StandardCharsets.UTF_8, mode, StandardOpenOption.WRITE);
	}

	private static String newToken() {
		byte[] random = new byte[32];
		RANDOM.nextBytes(random);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
	}
}
