package org.hasm.controller.internal;

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

    PeerServer(Supplier<View> view, Consumer<Event> events) {
        this.view = view;
        this.events = events;
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
                return PeerMessages.of("STATE", "scm", v.scm(), "state", v.state().name(),
                        "opMode", v.opMode() == null ? "" : v.opMode().name(),
                        "sysConfig", v.sysConfig() == null ? "" : v.sysConfig().name(),
                        "configuredRole", v.configuredRole().name(), Timing.FIELD, Timing.encode(v.timing()));
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
