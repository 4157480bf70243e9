package org.hasm.controller.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;

/**
 * Answers the peer's controller (through the link, on the link's threads): NOP and GETSTATE from
 * the published view, READY, PROCEED and LEAVING as events for the controller thread.
 */
final class PeerServer {

    /** What GETSTATE tells: this SCM as the peer should see it now, and its timing fingerprint ({@link Timing}). */
    record View(String scm, ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configuredRole,
            Map<String, String> timing) {
    }

    private final Supplier<View> view;
    private final Consumer<Event> events;
    // Fields added to GETSTATE's answer beyond this release's own: how a test stands in for a next
    // release (hasm.faults.wire.next). Written before the link serves, read on the link's threads.
    private volatile Map<String, String> extra = Map.of();

    PeerServer(Supplier<View> view, Consumer<Event> events) {
        this.view = view;
        this.events = events;
    }

    /** @param fields added to every GETSTATE answer, after this release's own (which they never replace) */
    void extraFields(Map<String, String> fields) {
        extra = Map.copyOf(fields);
    }

    /**
     * @return the answer
     * @throws IllegalArgumentException naming what is malformed or unknown
     */
    byte[] handle(byte[] payload) {
        Map<String, String> m = PeerMessages.decode(payload);
        String type = m.get(PeerMessages.TYPE);
        switch (type) {
            case "NOP":
                return PeerMessages.of("OK");
            case "GETSTATE": {
                View v = view.get();
                Map<String, String> answer = new LinkedHashMap<>();
                answer.put(PeerMessages.TYPE, "STATE");
                answer.put("scm", v.scm());
                answer.put("state", v.state().name());
                answer.put("opMode", v.opMode() == null ? "" : v.opMode().name());
                answer.put("sysConfig", v.sysConfig() == null ? "" : v.sysConfig().name());
                answer.put("configuredRole", v.configuredRole().name());
                answer.put(Timing.FIELD, Timing.encode(v.timing()));
                extra.forEach(answer::putIfAbsent);
                return PeerMessages.encode(answer);
            }
            case "READY":
                events.accept(new Event.PeerReady());
                return PeerMessages.of("OK");
            case "PROCEED":
                events.accept(new Event.Proceed());
                return PeerMessages.of("OK");
            case "LEAVING":
                events.accept(new Event.PeerDown("the peer left: " + m.getOrDefault("reason", "?")));
                return PeerMessages.of("OK");
            default:
                throw new IllegalArgumentException("unknown controller message type '" + type + "'");
        }
    }
}
