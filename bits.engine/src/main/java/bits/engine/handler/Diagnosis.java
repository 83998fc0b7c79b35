package bits.engine.handler;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import bits.api.TransferCallback;

/** Why a handler bundle's component gives no service, from the SCR runtime DTOs (SPEC H6). */
final class Diagnosis {
	private Diagnosis() {
	}

	static String explain(ServiceComponentRuntime scr, Bundle bundle, String id) {
		String name = bundle.getSymbolicName() + " " + bundle.getVersion();
		if ((bundle.getState() & (Bundle.ACTIVE | Bundle.STARTING)) == 0) {
			return "bundle " + name + " is not started";
		}
		List<String> reasons = new ArrayList<>();
		for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle)) {
			if (!id.equals(d.properties.get(TransferCallback.HANDLER_PROPERTY))) {
				continue;
			}
			if (!scr.isComponentEnabled(d)) {
				reasons.add("component " + d.name + " is disabled");
				continue;
			}
			for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
				reasons.add("component " + d.name + " " + state(c));
			}
			if (scr.getComponentConfigurationDTOs(d).isEmpty()) {
				reasons.add("component " + d.name + " waits for its configuration (" + d.configurationPolicy + ")");
			}
		}
		if (reasons.isEmpty()) {
			return "bundle " + name + " has no DS component with " + TransferCallback.HANDLER_PROPERTY + "=" + id;
		}
		return "bundle " + name + ": " + String.join("; ", reasons);
	}

	private static String state(ComponentConfigurationDTO c) {
		return switch (c.state) {
		case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "lacks its configuration";
		case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "has unsatisfied references " + unsatisfied(c);
		case ComponentConfigurationDTO.FAILED_ACTIVATION -> "failed to activate: " + c.failure;
		case ComponentConfigurationDTO.SATISFIED -> "is satisfied but its service gave no object";
		case ComponentConfigurationDTO.ACTIVE -> "is active";
		default -> "is in state " + c.state;
		};
	}

	private static String unsatisfied(ComponentConfigurationDTO c) {
		List<String> names = new ArrayList<>();
		for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
			names.add(r.name + (r.target == null ? "" : " " + r.target));
		}
		return names.toString();
	}
}
