package org.hasm.controller.internal;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/**
 * Everything the controller was configured with, validated. {@code problems} lists what is wrong;
 * an SCM with problems goes to MONITOR instead of serving half-configured.
 */
record Settings(String scm, OpMode role, Map<Call, Duration> deadlines, int journalSize,
        List<Personality> personalities, List<String> problems) {

    Settings {
        deadlines = Map.copyOf(new EnumMap<>(deadlines));
        personalities = List.copyOf(personalities);
        problems = List.copyOf(problems);
    }

    Duration deadline(Call call) {
        return deadlines.get(call);
    }

    /** @return the personalities whose home is this SCM */
    List<Personality> own() {
        return personalities.stream().filter(p -> p.home().equals(scm)).toList();
    }

    Settings withDeadlines(Map<Call, Duration> newDeadlines) {
        return new Settings(scm, role, newDeadlines, journalSize, personalities, problems);
    }
}
