/** A small library that a sample handler imports: it exists only in the samples index, so the engine installs it with the handler. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package bits.samples.digest;
