package org.hasm.launcher;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Says why a bundle did not resolve. The framework's resolver only answers "resolved or not" for
 * a batch; this asks, requirement by requirement, whether anything installed could satisfy it.
 */
final class Diagnosis {

    private Diagnosis() {
    }

    static String unresolved(Bundle bundle, FrameworkWiring wiring) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null) {
            return "it has no revision (uninstalled?)";
        }
        List<String> reasons = new ArrayList<>();
        for (BundleRequirement requirement : revision.getDeclaredRequirements(null)) {
            Map<String, String> directives = requirement.getDirectives();
            String resolution = directives.get(Constants.RESOLUTION_DIRECTIVE);
            String effective = directives.getOrDefault(Constants.EFFECTIVE_DIRECTIVE, Constants.EFFECTIVE_RESOLVE);
            if (Constants.RESOLUTION_OPTIONAL.equals(resolution) || "dynamic".equals(resolution)
                    || !Constants.EFFECTIVE_RESOLVE.equals(effective)) {
                continue;
            }
            Collection<BundleCapability> providers = wiring.findProviders(requirement);
            if (providers.isEmpty()) {
                reasons.add("missing " + describe(requirement));
                continue;
            }
            List<String> unresolvedProviders = new ArrayList<>();
            boolean usable = false;
            for (BundleCapability capability : providers) {
                Bundle provider = capability.getRevision().getBundle();
                if (provider.equals(bundle) || provider.getState() != Bundle.INSTALLED) {
                    usable = true;
                } else {
                    unresolvedProviders.add(Runner.name(provider));
                }
            }
            if (!usable) {
                reasons.add(describe(requirement) + " comes only from unresolved " + String.join(", ", unresolvedProviders));
            }
        }
        if (reasons.isEmpty()) {
            return "every requirement has a provider, but they conflict (package uses constraints)";
        }
        return String.join("; ", reasons);
    }

    private static String describe(BundleRequirement requirement) {
        String filter = requirement.getDirectives().get(Constants.FILTER_DIRECTIVE);
        return requirement.getNamespace() + (filter == null ? "" : " " + filter);
    }
}
