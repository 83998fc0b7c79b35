package bits.engine.rest;

/** A file to add: the remote URI and the absolute local path, as text. */
record FileRequest(String remote, String local) {
}
