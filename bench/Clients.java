import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * P2's clients without the engine: the JDK's two HTTP clients fetch P2's files one after the other into files, in one
 * JVM warmed by a few rounds, so that the engine's figure can be told apart from its client's. Each round writes
 * every file anew, into a directory of its own; with "sync" each file's data is synced (force(false), fdatasync) before the next, as bits makes each
 * file durable. Run with -Djdk.httpclient.bufsize=262144, the receive buffer the engine gives the JDK's client.
 * Usage (source launch): java bench/Clients.java LIST OUT_DIR httpclient|urlconnection sync|nosync WARMUP ROUNDS
 * (LIST: "URL NAME" lines); prints one "round WALL_S CPU_S" line per measured round.
 */
public class Clients {
	public static void main(String[] args) throws Exception {
		List<String[]> files = new ArrayList<>();
		for (String line : Files.readAllLines(Path.of(args[0]))) {
			files.add(line.split(" "));
		}
		Path out = Path.of(args[1]);
		boolean jdkClient = args[2].equals("httpclient");
		boolean sync = args[3].equals("sync");
		int warmup = Integer.parseInt(args[4]);
		int rounds = Integer.parseInt(args[5]);
		// HTTP/1.1, as the engine asks plain http servers
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		for (int r = 0; r < warmup + rounds; r++) {
			// a new directory per round, as curl's runs get: no file is deleted while the bench measures (see bench.py's p2)
			Path round = Files.createDirectories(out.resolve("round-" + r));
			long wall = System.nanoTime();
			long cpu = os.getProcessCpuTime();
			for (String[] f : files) {
				Path dest = round.resolve(f[1]);
				try (FileChannel channel = FileChannel.open(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
					if (jdkClient) { // the body's buffers written as they come, as the engine's subscriber does
						int status = client.send(HttpRequest.newBuilder(URI.create(f[0])).build(), info -> new ToChannel(channel))
								.statusCode();
						if (status != 200) {
							throw new IOException(f[0] + ": HTTP " + status);
						}
					} else {
						HttpURLConnection connection = (HttpURLConnection) URI.create(f[0]).toURL().openConnection();
						if (connection.getResponseCode() != 200) {
							throw new IOException(f[0] + ": HTTP " + connection.getResponseCode());
						}
						try (InputStream in = connection.getInputStream()) {
							byte[] buffer = new byte[64 << 10];
							for (int n; (n = in.read(buffer)) > 0;) {
								channel.write(ByteBuffer.wrap(buffer, 0, n));
							}
						}
					}
					if (sync) {
						channel.force(false); // the data, as the engine syncs a file (and sync -d after curl)
					}
				}
			}
			if (r >= warmup) {
				System.out.printf(Locale.ROOT, "round %.4f %.4f%n", (System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
			}
		}
	}

	/**
	 * Writes a body's buffers to a channel as they arrive, and completes the body itself, as the engine's subscriber
	 * does: the JDK's fromSubscriber adapter completes on CompletableFuture's default executor, a new thread per
	 * response on a machine of one or two cores.
	 */
	private static final class ToChannel implements HttpResponse.BodySubscriber<Void> {
		private final FileChannel channel;
		private final CompletableFuture<Void> body = new CompletableFuture<>();
		private Flow.Subscription subscription;

		ToChannel(FileChannel channel) {
			this.channel = channel;
		}

		@Override
		public CompletionStage<Void> getBody() {
			return body;
		}

		@Override
		public void onSubscribe(Flow.Subscription s) {
			subscription = s;
			s.request(Long.MAX_VALUE);
		}

		@Override
		public void onNext(List<ByteBuffer> buffers) {
			try {
				channel.write(buffers.toArray(new ByteBuffer[0]));
			} catch (IOException e) {
				subscription.cancel();
				body.completeExceptionally(e);
			}
		}

		@Override
		public void onError(Throwable t) {
			body.completeExceptionally(t);
		}

		@Override
		public void onComplete() {
			body.complete(null);
		}
	}
}
