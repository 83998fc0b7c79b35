/**
 * The public API of bits, a background transfer service for OSGi modelled on Microsoft's Background Intelligent
 * Transfer Service (BITS).
 * <p>
 * Applications obtain the {@link bits.api.TransferManager} service (BITS {@code IBackgroundCopyManager}), create
 * {@link bits.api.TransferJob}s ({@code IBackgroundCopyJob}) of {@link bits.api.TransferFile}s
 * ({@code IBackgroundCopyFile}) and are told what happens through a {@link bits.api.TransferCallback}
 * ({@code IBackgroundCopyCallback}): either a live object set on the job, or a persistent handler id naming a DS
 * component declared with {@link bits.api.BitsHandler} that the engine installs and activates on demand.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package bits.api;
