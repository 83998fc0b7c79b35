package bits.engine.rest;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The file {@value #FILE} in the store directory: the API's address while it is served, so that a command line can
 * find the engine that holds the store. Readable by the engine's user only.
 */
final class ApiAddress {
	static final String FILE = "api-address";
	static final String PATH = "/bits/api/v1";

	private ApiAddress() {
	}

	/**
	 * @param endpoints the HTTP runtime's {@code osgi.http.endpoint} property: a String, an array or a collection of
	 *            URLs; Felix HTTP gives the bound port there, also when the configured one is 0 (ephemeral)
	 * @return the API's address on the first http endpoint
	 */
	static Optional<URI> of(Object endpoints) {
		List<?> all = endpoints instanceof String s ? List.of(s)
				: endpoints instanceof String[] a ? List.of(a) : endpoints instanceof Collection<?> c ? List.copyOf(c) : List.of();
		return all.stream().map(String::valueOf).filter(e -> e.startsWith("http://")).findFirst()
				.map(e -> URI.create(e.replaceFirst("/+$", "") + PATH));
	}

	static void write(Path store, URI address) throws IOException {
		Path file = store.resolve(FILE);
		Path next = store.resolve(FILE + ".new");
		Files.deleteIfExists(next);
		if (store.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			Files.createFile(next, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		}
		Files.writeString(next, address + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		// renamed into place: a reader sees the old address or the new one, never half of it
		Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	static void delete(Path store) throws IOException {
		Files.deleteIfExists(store.resolve(FILE));
	}
}
