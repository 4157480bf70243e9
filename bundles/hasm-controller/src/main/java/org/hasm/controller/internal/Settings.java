package org.hasm.controller.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/**
 * Everything the controller was configured with, validated. {@code problems} lists what is wrong;
 * an SCM with problems goes to MONITOR instead of serving half-configured.
 *
 * @param scm this SCM's name
 * @param role the configured role
 * @param peer the peer's name, or {@code null} when this SCM runs standalone
 * @param deadlines the deadline of each lifecycle call
 * @param initTimeout how long INIT waits for the peer to answer before going on alone
 * @param readyRetry how often an SCM waiting for PROCEED says READY again
 * @param journalSize calls kept in the journal
 * @param personalities every configured personality, of both SCMs
 * @param problems what is wrong with the configuration; empty when it is usable
 */
record Settings(String scm, OpMode role, String peer, Map<Call, Duration> deadlines, Duration initTimeout,
        Duration readyRetry, int journalSize, List<Personality> personalities, List<String> problems) {

    Settings {
        deadlines = Map.copyOf(new EnumMap<>(deadlines));
        personalities = List.copyOf(personalities);
        problems = List.copyOf(problems);
    }

    Duration deadline(Call call) {
        return deadlines.get(call);
    }

    boolean standalone() {
        return peer == null;
    }

    /** @return the personalities whose home is this SCM */
    List<Personality> own() {
        return personalities.stream().filter(p -> p.home().equals(scm)).toList();
    }

    /** @return every personality, this SCM's own first (DEGRADED serves them all) */
    List<Personality> all() {
        List<Personality> list = new ArrayList<>(own());
        personalities.stream().filter(p -> !p.home().equals(scm)).forEach(list::add);
        return list;
    }

    Settings withDeadlines(Map<Call, Duration> newDeadlines) {
        return new Settings(scm, role, peer, newDeadlines, initTimeout, readyRetry, journalSize, personalities, problems);
    }
}
