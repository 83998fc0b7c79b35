package bits.engine.shell;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;

import bits.api.JobState;
import bits.api.TransferJob;

/**
 * Shows the progress of jobs while a command waits for them, on the error stream like curl's meter: on a terminal a
 * bar redrawn in place (bytes, rate, ETA), otherwise a plain line when the state changes and every few seconds.
 */
final class Progress {
	private static final long LINE_EVERY_NANOS = 5_000_000_000L;
	private static final long RATE_WINDOW_NANOS = 3_000_000_000L;
	private static final int WIDTH = 24;
	/** How often a waiting command reads its jobs' states (in memory): a one-shot ./bits transfer ends this soon after its job. */
	private static final long POLL_MILLIS = 10;
	/** How often the progress is shown. */
	private static final int SHOW_EVERY_POLLS = 30;

	private final PrintStream err;
	private final boolean bar;
	private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {nanoTime, bytes} over the rate window
	private String lastState = "";
	private long lastLine;
	private boolean drawn;

	Progress(PrintStream err, boolean bar) {
		this.err = err;
		this.bar = bar;
	}

	/**
	 * Whether progress is drawn as a bar: the session's variable {@value OneShot#TERMINAL} (set by a command line attached
	 * to a running engine, for its own terminal), else the framework property the {@code ./bits} wrapper sets.
	 */
	static boolean terminal(CommandSession session, BundleContext context) {
		Object attached = session == null ? null : session.get(OneShot.TERMINAL);
		return Boolean.parseBoolean(String.valueOf(attached != null ? attached : context.getProperty(OneShot.TERMINAL)));
	}

	/** Shows the jobs' current progress; call it every few hundred milliseconds. */
	void show(List<TransferJob> jobs) {
		long now = System.nanoTime();
		long done = 0;
		long total = 0;
		boolean sizeKnown = true;
		StringBuilder states = new StringBuilder();
		for (TransferJob j : jobs) {
			var p = j.getProgress();
			done += p.bytesTransferred();
			sizeKnown &= p.bytesTotal() >= 0;
			total += Math.max(0, p.bytesTotal());
			JobState s = j.getState();
			states.append(states.length() == 0 ? "" : ",").append(s);
			if (s == JobState.TRANSIENT_ERROR) {
				states.append(j.getError().map(e -> " (retrying: " + e.description() + ")").orElse(""));
			}
		}
		samples.addLast(new long[] { now, done });
		while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
			samples.removeFirst();
		}
		long[] first = samples.peekFirst();
		double rate = now > first[0] ? (done - first[1]) * 1e9 / (now - first[0]) : 0;
		String figures = bytes(done) + " / " + (sizeKnown ? bytes(total) : "?") + "  " + bytes((long) rate) + "/s  ETA "
				+ (sizeKnown && rate > 0 ? eta((total - done) / rate) : "--:--");
		String state = states.toString();
		if (bar) {
			int percent = sizeKnown && total > 0 ? (int) (done * 100 / total) : 0;
			int filled = percent * WIDTH / 100;
			err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + String.format("%3d%%  ", percent) + figures + "  "
					+ state + "\033[K"); // erase what a longer previous line left
			drawn = true;
		} else if (!state.equals(lastState) || now - lastLine >= LINE_EVERY_NANOS) {
			err.println("bits: " + state + "  " + figures);
			lastLine = now;
		}
		lastState = state;
		err.flush();
	}

	/** Ends the bar's line, so what follows starts on a line of its own. */
	void end() {
		if (drawn) {
			err.println();
			drawn = false;
		}
		err.flush();
	}

	/** Waits until every job is TRANSFERRED, in ERROR or final; with progress on {@code err} unless it is null. */
	static void awaitSettled(List<TransferJob> jobs, PrintStream err, boolean terminal) throws InterruptedException {
		Progress progress = err == null ? null : new Progress(err, terminal);
		try {
			for (int poll = 0; !jobs.stream().allMatch(Progress::settled); poll++) {
				if (progress != null && poll % SHOW_EVERY_POLLS == 0) {
					progress.show(jobs);
				}
				Thread.sleep(POLL_MILLIS);
			}
			if (progress != null) {
				progress.show(jobs);
			}
		} finally {
			if (progress != null) {
				progress.end();
			}
		}
	}

	static boolean settled(TransferJob j) {
		JobState s = j.getState();
		return s == JobState.TRANSFERRED || s == JobState.ERROR || s.isFinal();
	}

	static String bytes(long n) {
		if (n < 1024) {
			return n + " B";
		}
		int unit = (63 - Long.numberOfLeadingZeros(n)) / 10; // 1: KiB, 2: MiB ...
		return String.format(Locale.ROOT, "%.1f %siB", n / (double) (1L << (unit * 10)), "KMGTPE".charAt(unit - 1));
	}

	private static String eta(double seconds) {
		long s = Math.round(seconds);
		return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
	}
}
