package org.hasm.testkit;

import java.util.List;
import java.util.Map;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;

/** A personality of a kit run: its own loopback address, one volume, the exports and properties the test gave. */
record KitPersonality(String name, String home, List<String> addresses, List<String> volumes, List<Export> exportList,
        Map<String, String> properties) implements Personality {

    record KitExport(String name, String protocol, String volume, String path, boolean readOnly) implements Export {
    }

    @Override
    public List<Export> exports(String protocol) {
        return exportList.stream().filter(e -> e.protocol().equals(protocol)).toList();
    }

    @Override
    public String toString() {
        return name + " " + addresses;
    }
}
