package org.hasm.itests.support;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.hasm.spi.HaModule;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/** Checks of the framework a test runs in, and descriptions of it for failure messages. */
final class FrameworkChecks {

    private FrameworkChecks() {
    }

    /**
     * Fails the test if a bundle is neither ACTIVE nor RESOLVED, naming each such bundle and the
     * framework's reason (the resolver's message).
     */
    static void assertBundlesResolved(BundleContext context) {
        FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        List<String> problems = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.RESOLVED) {
                continue;
            }
            if (b.getState() == Bundle.INSTALLED) {
                wiring.resolveBundles(List.of(b));
            }
            if (b.getState() == Bundle.INSTALLED) {
                problems.add(describe(b) + " is INSTALLED (not resolved): " + resolutionError(b));
            } else if (b.getState() != Bundle.ACTIVE && b.getState() != Bundle.RESOLVED) {
                problems.add(describe(b) + " is in state " + b.getState());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("bundles that did not resolve:\n  " + String.join("\n  ", problems));
        }
    }

    private static String resolutionError(Bundle b) {
        try {
            // starting transiently is the only portable way to get the resolver's message
            b.start(Bundle.START_TRANSIENT);
            return "(resolved when started again)";
        } catch (BundleException e) {
            return e.getMessage();
        }
    }

    private static String describe(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "] from " + b.getLocation();
    }

    /**
     * Describes every DS component that is not satisfied or failed to activate, with SCR's reason:
     * for failure messages, when a service the test awaits does not appear.
     *
     * @return one line per such component, or "all components satisfied"
     */
    static String componentProblems(BundleContext context) {
        ServiceReference<ServiceComponentRuntime> ref = context.getServiceReference(ServiceComponentRuntime.class);
        if (ref == null) {
            return "no ServiceComponentRuntime";
        }
        ServiceComponentRuntime scr = context.getService(ref);
        try {
            List<String> problems = new ArrayList<>();
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                if (!scr.isComponentEnabled(d)) {
                    problems.add(d.name + ": disabled");
                    continue;
                }
                for (ComponentConfigurationDTO cc : scr.getComponentConfigurationDTOs(d)) {
                    if (cc.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        problems.add(d.name + ": activation failed: " + cc.failure);
                    } else if (cc.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE) {
                        List<String> refs = new ArrayList<>();
                        for (UnsatisfiedReferenceDTO u : cc.unsatisfiedReferences) {
                            refs.add(u.name + " " + u.target);
                        }
                        problems.add(d.name + ": unsatisfied references " + refs);
                    } else if (cc.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION) {
                        problems.add(d.name + ": no configuration");
                    }
                }
            }
            return problems.isEmpty() ? "all components satisfied" : String.join("; ", problems);
        } finally {
            context.ungetService(ref);
        }
    }

    /** @return the registered modules' properties, for messages */
    static String registeredModules(BundleContext context) {
        try {
            return context.getServiceReferences(HaModule.class, null).stream()
                    .map(r -> r.getProperty(HaModule.MODULE_NAME) + "(" + r.getProperty(HaModule.MODULE_TIER) + ","
                            + r.getProperty(HaModule.MODULE_RANK) + ",id=" + r.getProperty(Constants.SERVICE_ID) + ")")
                    .collect(Collectors.joining(", ", "[", "]"));
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

}
