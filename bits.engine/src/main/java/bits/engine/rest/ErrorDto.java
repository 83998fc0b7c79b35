package bits.engine.rest;

/** An error response: the BITS code in hex, the request it answers, and what went wrong. */
record ErrorDto(String code, String context, String description) {
}
