package org.hasm.node.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hasm.spi.node.Findings;

/** Findings as plain lines, {@code PID: KEY: reason}, for assertions. */
final class Found implements Findings {
    final List<String> problems = new ArrayList<>();
    final Map<String, Long> timing = new TreeMap<>();

    @Override
    public void problem(String pid, String key, String reason) {
        problems.add(pid + ": " + key + ": " + reason);
    }

    @Override
    public void timing(String pid, String key, long value) {
        timing.put(pid + " " + key, value);
    }

    String all() {
        return String.join("\n", problems);
    }
}
