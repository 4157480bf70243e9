package org.hasm.controller.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;

/**
 * Answers the peer's controller (through the link, on the link's threads): NOP and GETSTATE from
 * the published view, READY, PROCEED and LEAVING as events for the controller thread, and the
 * MASTER's COMMAND, which the controller judges and queues (or refuses) before the answer.
 */
final class PeerServer {

    /** What GETSTATE tells: this SCM as the peer should see it now, and its timing fingerprint ({@link Timing}). */
    record View(String scm, ScmState state, OpMode opMode, SysConfig sysConfig, OpMode configuredRole,
            Map<String, String> timing, String adminUrl, String adminCertificate, boolean maintenance) {
    }

    /** Carries out a command the peer (the MASTER) ordered; throws {@link IllegalStateException} with why it refuses. */
    interface Orders {
        void order(String command, String reason);
    }

    /** GETSTATE's optional fields: where this SCM's admin API listens, and the certificate it serves there. */
    static final String ADMIN_URL = "adminUrl";
    static final String ADMIN_CERTIFICATE = "adminCertificate";
    /** GETSTATE's and PROCEED's optional field: the pair is in maintenance. */
    static final String MAINTENANCE = "maintenance";
    /** The MASTER's order to carry a command out; answered OK, or REFUSED with the reason. */
    static final String COMMAND = "COMMAND";
    static final String REFUSED = "REFUSED";

    private final Supplier<View> view;
    private final Consumer<Event> events;
    private final Orders orders;
    // Fields added to GETSTATE's answer beyond this release's own: how a test stands in for a next
    // release (hasm.faults.wire.next). Written before the link serves, read on the link's threads.
    private volatile Map<String, String> extra = Map.of();
    /** The configuration fingerprint GETSTATE carries, when this SCM has one. */
    private final ConfigFingerprint config;
    // this SCM's version goes into GETSTATE's answer; the peer's is noted from whatever it sends
    private volatile PairVersions versions = new PairVersions();
    // the rolling upgrade's messages (UPGRADE_*), answered by the upgrade's own code; null: not in this SCM
    private volatile Function<Map<String, String>, Map<String, String>> upgrades;
    // READY's boot token, noted for the PROCEED that answers it; PROCEED's, judged on the controller thread
    private volatile Consumer<String> readyHeard = t -> { };
    private volatile Consumer<String> proceedHeard;
    // LEAVING's boot token and reason, judged on the controller thread
    private volatile BiConsumer<String, String> leavingHeard;

    /**
     * READY and PROCEED's optional field: the boot of the SLAVE that said READY, echoed by the PROCEED that
     * answers it, so that a PROCEED meant for an earlier boot (it said READY, then reset before the answer came)
     * is not taken for the answer to the READY of its next boot. LEAVING carries the boot of the SCM that
     * leaves: one of a boot older than its latest READY (it left, reset, and said READY before the LEAVING was
     * handled) is no reason to take its personality over. A release before it sends and checks none.
     */
    static final String BOOT_TOKEN = "boot";

    PeerServer(Supplier<View> view, Consumer<Event> events, Orders orders) {
        this(view, events, orders, new ConfigFingerprint());
    }

    PeerServer(Supplier<View> view, Consumer<Event> events, Orders orders, ConfigFingerprint config) {
        this.config = config;
        this.view = view;
        this.events = events;
        this.proceedHeard = t -> events.accept(new Event.Proceed());
        this.leavingHeard = (t, why) -> events.accept(new Event.PeerDown("the peer left: " + why));
        this.orders = orders;
    }

    /** @param fields added to every GETSTATE answer, after this release's own (which they never replace) */
    void extraFields(Map<String, String> fields) {
        extra = Map.copyOf(fields);
    }

    /**
     * @param ready gets the boot token of each READY heard (or {@code null})
     * @param proceed gets each PROCEED's token (or {@code null}) instead of the event: its caller judges it
     *     (without one, every PROCEED is the event)
     */
    void bootTokens(Consumer<String> ready, Consumer<String> proceed) {
        readyHeard = ready;
        proceedHeard = proceed;
    }

    /** @param leaving gets each LEAVING's token (or {@code null}) and reason instead of the event: its caller judges it */
    void leaving(BiConsumer<String, String> leaving) {
        leavingHeard = leaving;
    }

    /** @param pair where this SCM's version is read and the peer's noted; before the link serves */
    void versions(PairVersions pair) {
        versions = pair;
    }

    /** @param handler answers the messages whose type starts with {@value #UPGRADE_PREFIX}; before the link serves */
    void upgrades(Function<Map<String, String>, Map<String, String>> handler) {
        upgrades = handler;
    }

    /** The rolling upgrade's messages: the MASTER asks how the upgraded module stands, and orders an install. */
    static final String UPGRADE_PREFIX = "UPGRADE_";

    /**
     * @return the answer
     * @throws IllegalArgumentException naming what is malformed or unknown
     */
    byte[] handle(byte[] payload) {
        Map<String, String> m = PeerMessages.decode(payload);
        String type = m.get(PeerMessages.TYPE);
        versions.heard(m);
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
                // optional fields: a release before them answers without, and one after reads them if there
                if (v.adminUrl() != null) {
                    answer.put(ADMIN_URL, v.adminUrl());
                }
                if (v.adminCertificate() != null) {
                    answer.put(ADMIN_CERTIFICATE, v.adminCertificate());
                }
                if (v.maintenance()) {
                    // an SCM that boots while the pair is in maintenance joins it
                    answer.put(MAINTENANCE, "true");
                }
                String fingerprint = config.get();
                if (fingerprint != null) {
                    answer.put(ConfigFingerprint.FIELD, fingerprint);
                }
                versions.stamp(answer);
                extra.forEach(answer::putIfAbsent);
                return PeerMessages.encode(answer);
            }
            case "READY":
                readyHeard.accept(m.get(BOOT_TOKEN));
                events.accept(new Event.PeerReady());
                return PeerMessages.of("OK");
            case "PROCEED":
                if ("true".equals(m.get(MAINTENANCE))) {
                    // first, on the same controller queue: the SLAVE enters DAC knowing it
                    events.accept(new Event.Maintenance(true, "the MASTER's word at PROCEED: "
                            + m.getOrDefault("reason", "?"), true));
                }
                proceedHeard.accept(m.get(BOOT_TOKEN));
                return PeerMessages.of("OK");
            case "HANDOVER":
                events.accept(new Event.PeerHandedOver(m.getOrDefault("reason", "?")));
                return PeerMessages.of("OK");
            case "MAINTENANCE_ON":
            case "MAINTENANCE_OFF":
                events.accept(new Event.Maintenance(type.equals("MAINTENANCE_ON"), "the MASTER's word: "
                        + m.getOrDefault("reason", "?"), true));
                return PeerMessages.of("OK");
            case "LEAVING":
                leavingHeard.accept(m.get(BOOT_TOKEN), m.getOrDefault("reason", "?"));
                return PeerMessages.of("OK");
            case COMMAND: {
                String command = m.get("command");
                try {
                    orders.order(command == null ? "" : command, m.getOrDefault("reason", "the MASTER's order"));
                    return PeerMessages.of("OK");
                } catch (IllegalStateException e) {
                    return PeerMessages.of(REFUSED, "reason", e.getMessage());
                }
            }
            default: {
                Function<Map<String, String>, Map<String, String>> u = upgrades;
                if (u != null && type.startsWith(UPGRADE_PREFIX)) {
                    return PeerMessages.encode(versions.stamp(new LinkedHashMap<>(u.apply(m))));
                }
                throw new IllegalArgumentException("unknown controller message type '" + type + "'");
            }
        }
    }
}
