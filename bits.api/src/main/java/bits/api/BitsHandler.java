package bits.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.annotation.bundle.Attribute;
import org.osgi.annotation.bundle.Capability;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Declares a persistent handler: the analogue of the COM class whose CLSID BITS stores in
 * {@code BITS_JOB_PROPERTY_NOTIFICATION_CLSID} (SPEC H1). Put it on a DS component that provides
 * {@link TransferCallback}:
 *
 * <pre>
 * &#64;Component(service = TransferCallback.class)
 * &#64;BitsHandler("com.example.ChecksumValidator")
 * public class ChecksumValidator implements TransferCallback { ... }
 * </pre>
 *
 * This one annotation gives the service the property {@code bits.handler=<id>} (it is a component property type)
 * and the bundle the capability {@code bits.handler;bits.handler="<id>"} (bnd writes it into
 * {@code Provide-Capability}), so a repository index tells which bundle provides an id without installing anything.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@ComponentPropertyType
@Capability(namespace = TransferCallback.HANDLER_PROPERTY, uses = TransferCallback.class)
public @interface BitsHandler {
	/** @return the handler id: stable, unique, conventionally a qualified class-like name */
	@Attribute(TransferCallback.HANDLER_PROPERTY)
	String value();
}
