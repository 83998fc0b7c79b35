package bits.engine.rest;

/**
 * What {@code POST /shell} runs: one command {@code line} (with {@code input} as its standard input) as
 * {@code ./bits NAME ARGS} runs it, or a {@code script}, its lines run one after the other in one session as Gogo's
 * shell runs what it reads from a pipe. {@code terminal}: whether the caller's stderr is a terminal (progress bars).
 */
record ShellRequest(String line, String script, String input, Boolean terminal) {
}
