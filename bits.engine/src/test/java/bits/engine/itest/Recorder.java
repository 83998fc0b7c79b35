package bits.engine.itest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import bits.api.JobError;
import bits.api.TransferCallback;
import bits.api.TransferFile;
import bits.api.TransferJob;

/** A live callback that records what it is told, and how many of its calls overlapped (SPEC N9). */
class Recorder implements TransferCallback {
	final List<String> calls = Collections.synchronizedList(new ArrayList<>());
	final AtomicInteger inside = new AtomicInteger();
	final AtomicInteger maxInside = new AtomicInteger();
	volatile int failFirst;

	private void enter(String call) throws Exception {
		int now = inside.incrementAndGet();
		maxInside.accumulateAndGet(now, Math::max);
		try {
			calls.add(call);
			Thread.sleep(5); // widen the window in which a second, concurrent call would be seen
			if (failFirst > 0) {
				failFirst--;
				throw new IllegalStateException("not acknowledged (test)");
			}
		} finally {
			inside.decrementAndGet();
		}
	}

	@Override
	public void jobTransferred(TransferJob job) throws Exception {
		enter("transferred");
	}

	@Override
	public void jobError(TransferJob job, JobError error) throws Exception {
		enter("error " + ErrorHex.of(error.code()));
	}

	@Override
	public void jobModification(TransferJob job) throws Exception {
		enter("modification " + job.getState() + " " + job.getDescription());
	}

	@Override
	public void fileTransferred(TransferJob job, TransferFile file) throws Exception {
		enter("file " + file.getIndex());
	}

	long count(String prefix) {
		synchronized (calls) {
			return calls.stream().filter(c -> c.startsWith(prefix)).count();
		}
	}

	/** Hex codes as the tests compare them. */
	static final class ErrorHex {
		static String of(int code) {
			return bits.api.ErrorCodes.hex(code);
		}
	}
}
