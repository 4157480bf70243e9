package org.hasm.node.internal;

import java.util.List;
import java.util.Map;
import org.hasm.spi.config.ProposalCheck;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The configuration check of {@code hasm check}, on a configuration not yet in force: what a
 * configuration transaction is refused with before anything is written.
 */
@Component(service = ProposalCheck.class)
public class ProposalChecker implements ProposalCheck {

    @Reference
    private ConfigurationChecker checker;

    @Override
    public List<String> check(Map<String, Map<String, Object>> replaced, Map<String, String> sources) {
        return checker.check(replaced, sources).problems();
    }
}
