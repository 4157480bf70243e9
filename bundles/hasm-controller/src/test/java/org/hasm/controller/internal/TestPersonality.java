package org.hasm.controller.internal;

import java.util.List;
import java.util.Map;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;

/** A personality as the node hands it to the controller: name, home, addresses and properties. */
record TestPersonality(String name, String home, List<String> addresses, Map<String, String> properties)
        implements Personality {

    @Override
    public List<String> volumes() {
        return List.of();
    }

    @Override
    public List<Export> exports(String protocol) {
        return List.of();
    }
}
