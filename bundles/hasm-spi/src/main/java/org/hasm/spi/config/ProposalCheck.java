package org.hasm.spi.config;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The check {@code hasm check} runs (every key against its bundle's metatype, then every bundle's own
 * validation), run on the configuration as it would be after a change, before anything is written.
 * Implemented by hasm's node bundle.
 */
@ProviderType
public interface ProposalCheck {

    /**
     * @param replaced the configurations that would change, by PID ({@code FACTORYPID~NAME} for a
     *     factory configuration), each with all its properties as they would be; every other
     *     configuration as Configuration Admin holds it now
     * @param sources where each replaced configuration comes from (its file), for the messages
     * @return the problems, each naming the file and the key; empty when the configuration is sound
     */
    List<String> check(Map<String, Map<String, Object>> replaced, Map<String, String> sources);
}
