package bits.engine.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

/** SPEC H7: a file: index is read again when its file changes, so a newer handler version is seen; a bad new reading keeps the last good one. */
class RepositoriesTest {
	@TempDir
	Path dir;

	private static final Logger QUIET = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class },
			(proxy, method, args) -> method.getReturnType() == boolean.class ? false : null);

	private Path write(String version) throws Exception {
		String xml = "<repository xmlns=\"http://www.osgi.org/xmlns/repository/v1.0.0\" name=\"t\" increment=\"1\"><resource>"
				+ "<capability namespace=\"osgi.identity\"><attribute name=\"osgi.identity\" value=\"h\"/>"
				+ "<attribute name=\"version\" type=\"Version\" value=\"" + version + "\"/></capability>"
				+ "<capability namespace=\"bits.handler\"><attribute name=\"bits.handler\" value=\"h.id\"/></capability>"
				+ "</resource></repository>";
		Path next = dir.resolve("index.new");
		Files.writeString(next, xml);
		Path index = dir.resolve("index.xml");
		Files.move(next, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		return index;
	}

	private static List<String> versions(Repositories repositories) {
		return repositories.providers(new HandlerRequirement("h.id")).stream().map(c -> RepositoryIndex.version(c.getResource()).toString()).toList();
	}

	@Test
	void aFileIndexIsReadAgainWhenItChangesAndABadReadingKeepsTheLastGoodOne() throws Exception {
		Path index = write("1.0.0");
		Repositories repositories = new Repositories(new String[] { index.toUri().toString() }, new Download(1 << 20, Duration.ofSeconds(5)),
				new BundleOrigins(new String[0]), Duration.ofHours(1), QUIET);
		assertEquals(List.of("1.0.0"), versions(repositories));
		write("1.0.1");
		assertEquals(List.of("1.0.1"), versions(repositories), "the new file is read");
		Files.writeString(index, "<not an index");
		assertEquals(List.of("1.0.1"), versions(repositories), "the last good reading is kept");
		write("2.0.0");
		assertEquals(List.of("2.0.0"), versions(repositories));
	}
}
