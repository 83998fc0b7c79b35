package bits.engine.itest.versioned;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * The handler of the bundles {@code HandlerBundles} builds at test time, in several versions and builds (it is not a
 * component of the test bundle: the built bundles declare it in their own component XML). It appends to the job's
 * description which version and build called it ({@code 1.0.0/a;}), and, if its bundle changed while it ran, what
 * it changed to ({@code 1.0.0/a->1.0.1/b;}); then it completes the job. While the system property
 * {@code bits.itest.hold.<job name>} is set it holds the call, after setting {@code bits.itest.entered.<job name>}.
 */
public class VersionedHandler implements TransferCallback {
	@Override
	public void jobTransferred(TransferJob job) throws Exception {
		String at = which();
		String hold = "bits.itest.hold." + job.getDisplayName();
		if (System.getProperty(hold) != null) {
			System.setProperty("bits.itest.entered." + job.getDisplayName(), at);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (System.getProperty(hold) != null && System.nanoTime() - deadline < 0) {
				Thread.sleep(10); // held by the test: the callback is in flight
			}
		}
		String end = which();
		job.setDescription(job.getDescription() + at + (at.equals(end) ? "" : "->" + end) + ";");
		job.complete();
	}

	private String which() {
		Bundle b = FrameworkUtil.getBundle(getClass());
		return b.getVersion() + "/" + b.getHeaders("").get("X-Build");
	}
}
