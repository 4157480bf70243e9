package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hasm.controller.internal.Transitions.Event;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.Test;

/** GETSTATE between two releases: fields a reader does not know are skipped, fields it misses are optional. */
class PeerMessagesTest {
    /** GETSTATE's answer as main at 5d72fee writes it (the previous release). */
    private static final String STATE_OF_THE_PREVIOUS_RELEASE = "type=STATE\nscm=scm-b\nstate=DAC\nopMode=SLAVE\n"
            + "sysConfig=DAC\nconfiguredRole=SLAVE\ntiming=org.hasm.status counter.start=4;org.hasm.status interval.ms=50\n";

    private final List<Event> events = new ArrayList<>();

    private final List<String> orders = new ArrayList<>();

    private PeerServer server() {
        return server(null, null);
    }

    private PeerServer server(String adminUrl, String certificate) {
        return new PeerServer(() -> new PeerServer.View("scm-b", ScmState.DAC, OpMode.SLAVE, SysConfig.DAC, OpMode.SLAVE,
                Map.of("org.hasm.status interval.ms", "50", "org.hasm.status counter.start", "4"), adminUrl, certificate,
                adminUrl != null),
                events::add, (command, reason) -> {
                    if (command.equals("surrender")) {
                        throw new IllegalStateException("the SCM is DEGRADED: nobody would take over");
                    }
                    orders.add(command + " " + reason);
                });
    }

    @Test
    void getStateTellsWhereTheAdminApiListensInOptionalFieldsThePreviousReleaseSkips() {
        byte[] answer = server("https://127.0.0.1:7702", "ab12").handle(PeerMessages.of("GETSTATE"));
        Map<String, String> m = PeerMessages.decode(answer);
        assertEquals("https://127.0.0.1:7702", m.get(PeerServer.ADMIN_URL));
        assertEquals("ab12", m.get(PeerServer.ADMIN_CERTIFICATE));
        assertEquals("true", m.get(PeerServer.MAINTENANCE), "in maintenance (this server's view says so)");
        assertEquals(STATE_OF_THE_PREVIOUS_RELEASE, new String(answer, StandardCharsets.UTF_8)
                .replace("adminUrl=https://127.0.0.1:7702\nadminCertificate=ab12\nmaintenance=true\n", ""),
                "the fields come after the previous release's own, which are unchanged");
    }

    @Test
    void theMastersCommandIsCarriedOutOrRefusedWithWhy() {
        PeerServer server = server();
        assertEquals("OK", PeerMessages.decode(server.handle(PeerMessages.of(PeerServer.COMMAND, "command", "reset",
                "reason", "disk swap"))).get(PeerMessages.TYPE));
        assertEquals(List.of("reset disk swap"), orders);
        Map<String, String> refused = PeerMessages.decode(server.handle(PeerMessages.of(PeerServer.COMMAND, "command",
                "surrender", "reason", "x")));
        assertEquals(PeerServer.REFUSED, refused.get(PeerMessages.TYPE));
        assertEquals("the SCM is DEGRADED: nobody would take over", refused.get("reason"));
    }

    @Test
    void thePreviousReleasesAnswerReadsAsBefore() {
        Map<String, String> m = PeerMessages.decode(STATE_OF_THE_PREVIOUS_RELEASE.getBytes(StandardCharsets.UTF_8));
        assertEquals(ScmState.DAC, PeerMessages.state(m.get("state")));
        assertEquals(OpMode.SLAVE, PeerMessages.mode(m.get("configuredRole")));
        assertEquals("50", Timing.decode(m.get(Timing.FIELD)).get("org.hasm.status interval.ms"));
        assertEquals(STATE_OF_THE_PREVIOUS_RELEASE, new String(server().handle(PeerMessages.of("GETSTATE")),
                StandardCharsets.UTF_8), "this release answers what the previous one reads");
    }

    @Test
    void aFieldOfTheNextReleaseIsSkippedAndNeverReplacesOneOfThisRelease() {
        PeerServer next = server();
        next.extraFields(Map.of("next", "a field of the next release", "state", "BOGUS"));
        Map<String, String> m = PeerMessages.decode(next.handle(PeerMessages.of("GETSTATE")));
        assertEquals(ScmState.DAC, PeerMessages.state(m.get("state")));
        assertEquals(OpMode.SLAVE, PeerMessages.mode(m.get("opMode")));
        assertEquals("a field of the next release", m.get("next"));
        assertNull(Timing.mismatch(Map.of("org.hasm.status interval.ms", "50"), Timing.decode(m.get(Timing.FIELD)),
                "scm-b"));
    }

    @Test
    void aFieldMissingFromAnOlderAnswerIsOptional() {
        Map<String, String> m = PeerMessages.decode("type=STATE\nscm=scm-b\nstate=INIT\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(ScmState.INIT, PeerMessages.state(m.get("state")));
        assertNull(PeerMessages.mode(m.get("opMode")));
        assertTrue(Timing.decode(m.get(Timing.FIELD)).isEmpty());
        assertNull(Timing.mismatch(Map.of("org.hasm.status interval.ms", "50"), Timing.decode(m.get(Timing.FIELD)),
                "scm-b"), "a value only one side reports is not judged");
    }

    @Test
    void anUnknownMessageTypeIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> server().handle(PeerMessages.of("UPGRADE")));
        assertTrue(e.getMessage().contains("'UPGRADE'"), e.getMessage());
        assertTrue(events.isEmpty());
    }

    @Test
    void eachSideSaysItsReleaseInAnOptionalFieldAndNotesThePeersFromWhateverItSends() {
        PeerServer server = server();
        PairVersions here = new PairVersions();
        here.own("1.1.0");
        server.versions(here);
        PairVersions peer = new PairVersions();
        peer.own("1.0.0");

        Map<String, String> answer = PeerMessages.decode(server.handle(PeerMessages.of(peer, "NOP")));
        assertEquals("OK", answer.get(PeerMessages.TYPE));
        assertEquals("1.0.0", here.peer().version(), "a NOP carries the sender's release");

        Map<String, String> state = PeerMessages.decode(server.handle(PeerMessages.of("GETSTATE")));
        assertEquals("1.1.0", state.get(PairVersions.FIELD));
        assertEquals("1.0.0", here.peer().version(), "a message without the field (a release before it) changes nothing");
        peer.heard(state);
        assertEquals("1.1.0", peer.peer().version());

        PairVersions unknown = new PairVersions();
        unknown.own(" ");
        assertNull(unknown.own());
        assertEquals(STATE_OF_THE_PREVIOUS_RELEASE, new String(PeerMessages.encode(unknown.stamp(
                new java.util.LinkedHashMap<>(PeerMessages.decode(STATE_OF_THE_PREVIOUS_RELEASE.getBytes(StandardCharsets.UTF_8))))),
                StandardCharsets.UTF_8), "an SCM that does not know its release sends what the previous release sent");
    }
}
