package bits.engine.rest;

/** Whom a request acts for: the owner its token maps to; an admin token sees every owner. */
record Caller(String owner, boolean admin) {
	/** The owner name of the admin token in the token file. */
	static final String ADMIN = "*";
}
