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
 * @param deadlines the default deadline of each lifecycle call
 * @param maxDeadline the longest deadline a module may declare for itself
 * @param initTimeout how long INIT waits for the peer to answer before going on alone
 * @param readyRetry how often an SCM waiting for PROCEED says READY again
 * @param journalSize calls kept in the journal
 * @param personalities every configured personality, of both SCMs
 * @param problems what is wrong with the configuration; empty when it is usable
 */
record Settings(String scm, OpMode role, String peer, Map<Call, Duration> deadlines, Duration maxDeadline,
        Duration initTimeout, Duration readyRetry, int journalSize, List<Personality> personalities,
        List<String> problems, FailbackPolicy failback) {

    /** With the failback policy {@code automatic}. */
    Settings(String scm, OpMode role, String peer, Map<Call, Duration> deadlines, Duration maxDeadline,
            Duration initTimeout, Duration readyRetry, int journalSize, List<Personality> personalities,
            List<String> problems) {
        this(scm, role, peer, deadlines, maxDeadline, initTimeout, readyRetry, journalSize, personalities, problems,
                FailbackPolicy.AUTOMATIC);
    }

    /** The node maximum of a module's own deadline when the configuration does not say. */
    static final Duration DEFAULT_MAX_DEADLINE = Duration.ofSeconds(60);

    Settings {
        deadlines = Map.copyOf(new EnumMap<>(deadlines));
        personalities = List.copyOf(personalities);
        problems = List.copyOf(problems);
    }

    /** @return the controller's default deadline of a call */
    Duration deadline(Call call) {
        return deadlines.get(call);
    }

    /** @return the deadline of a call to a module: its own, capped by the maximum, or the default */
    Duration deadline(ModuleProperties module, Call call) {
        Duration own = module.deadlines().get(call);
        Duration d = own == null ? deadline(call) : own;
        return d.compareTo(maxDeadline) > 0 ? maxDeadline : d;
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

    /**
     * What a configuration change applies while the SCM runs: the deadlines, the INIT timings and the
     * failback policy. The personalities follow apart ({@link PersonalityChange}); the name, peer, role
     * and journal size wait for the next start of the controller.
     */
    Settings withLiveValues(Settings fresh) {
        return new Settings(scm, role, peer, fresh.deadlines, fresh.maxDeadline, fresh.initTimeout, fresh.readyRetry,
                journalSize, personalities, problems, fresh.failback);
    }

    /** The same settings with the personalities of a live change of their parameters ({@link PersonalityChange}). */
    Settings withPersonalities(List<Personality> fresh) {
        return new Settings(scm, role, peer, deadlines, maxDeadline, initTimeout, readyRetry, journalSize, fresh,
                problems, failback);
    }

    /** What a boot (power on, RESET) takes from the configuration; name, peer, role and journal stay. */
    Settings withBootValues(Settings fresh) {
        return new Settings(scm, role, peer, fresh.deadlines, fresh.maxDeadline, fresh.initTimeout, fresh.readyRetry,
                journalSize, fresh.personalities, fresh.problems, fresh.failback);
    }
}
