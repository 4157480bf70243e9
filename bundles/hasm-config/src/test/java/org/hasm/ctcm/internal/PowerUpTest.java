package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hasm.ctcm.internal.PowerUp.Decision;
import org.hasm.ctcm.internal.PowerUp.Side;
import org.hasm.ctcm.internal.PowerUp.Source;
import org.hasm.ctcm.internal.PowerUp.Verdict;
import org.hasm.spi.config.Fingerprint;
import org.junit.jupiter.api.Test;

class PowerUpTest {

    private static Side at(long generation, char content) {
        return Side.intact(new Fingerprint(generation, String.valueOf(content).repeat(64)));
    }

    private static Decision decide(Side local, Side replica, Side peer) {
        return PowerUp.decide(local, replica, peer, false);
    }

    @Test
    void corruptLocalDatabaseIsMonitorWithItsReason() {
        Decision d = decide(Side.corrupt("db: torn"), at(3, 'a'), at(3, 'a'));
        assertEquals(Verdict.CORRUPT, d.verdict());
        assertEquals("db: torn", d.reason());
    }

    @Test
    void corruptReplicaIsMonitorWithItsReason() {
        Decision d = decide(at(3, 'a'), Side.corrupt("replica: changed"), at(3, 'a'));
        assertEquals(Verdict.CORRUPT, d.verdict());
        assertEquals("replica: changed", d.reason());
    }

    @Test
    void sameEverywhereIsCurrent() {
        assertEquals(Verdict.CURRENT, decide(at(3, 'a'), at(3, 'a'), at(3, 'a')).verdict());
        assertEquals(Verdict.CURRENT, decide(at(3, 'a'), Side.unknown(), Side.unknown()).verdict());
        assertEquals(Verdict.CURRENT, decide(at(3, 'a'), at(3, 'a'), Side.unknown()).verdict());
        assertFalse(decide(at(3, 'a'), at(3, 'a'), at(3, 'a')).refreshReplica());
    }

    @Test
    void olderThanTheReplicaRestoresFromIt() {
        Decision d = decide(at(3, 'a'), at(5, 'b'), Side.unknown());
        assertEquals(Verdict.STALE, d.verdict());
        assertEquals(Source.REPLICA, d.from());
        assertEquals(Source.REPLICA, decide(at(3, 'a'), at(5, 'b'), at(5, 'b')).from());
    }

    @Test
    void olderThanThePeerRestoresFromThePeerWhenTheReplicaIsBehind() {
        Decision d = decide(at(3, 'a'), at(3, 'a'), at(6, 'c'));
        assertEquals(Verdict.STALE, d.verdict());
        assertEquals(Source.PEER, d.from());
        assertEquals(Source.PEER, decide(at(3, 'a'), Side.unknown(), at(4, 'c')).from());
    }

    @Test
    void sameGenerationDifferentContentIsContradictory() {
        Decision withPeer = decide(at(3, 'a'), at(3, 'a'), at(3, 'b'));
        assertEquals(Verdict.CONTRADICTORY, withPeer.verdict());
        assertTrue(withPeer.reason().contains("generation 3"), withPeer.reason());
        assertTrue(withPeer.reason().contains("field checksum"), withPeer.reason());
        assertEquals(Verdict.CONTRADICTORY, decide(at(3, 'a'), at(3, 'b'), Side.unknown()).verdict());
        assertEquals(Verdict.CONTRADICTORY, decide(at(3, 'a'), at(3, 'b'), at(3, 'a')).verdict());
    }

    @Test
    void newerThanTheReplicaRefreshesIt() {
        Decision d = decide(at(5, 'a'), at(3, 'b'), Side.unknown());
        assertEquals(Verdict.CURRENT, d.verdict());
        assertTrue(d.refreshReplica());
        assertTrue(decide(at(0, 'a'), Side.absent(), Side.unknown()).refreshReplica());
        assertFalse(decide(at(5, 'a'), Side.unknown(), Side.unknown()).refreshReplica());
    }

    @Test
    void newerThanThePeerIsCurrent() {
        assertEquals(Verdict.CURRENT, decide(at(5, 'a'), at(5, 'a'), at(2, 'z')).verdict());
    }

    @Test
    void installedConfigurationGivesWayToThePairs() {
        // generation 0: installed files, never committed
        assertEquals(Source.REPLICA, decide(at(0, 'a'), at(0, 'b'), Side.unknown()).from());
        assertEquals(Source.REPLICA, decide(at(0, 'a'), at(2, 'b'), at(2, 'b')).from());
        // two installed ones and no replica: the configured SLAVE takes the MASTER's
        assertEquals(Source.PEER, PowerUp.decide(at(0, 'a'), Side.absent(), at(0, 'b'), true).from());
        assertEquals(Verdict.CURRENT, PowerUp.decide(at(0, 'a'), Side.absent(), at(0, 'b'), false).verdict());
    }

    /** Every combination: the verdict is always one of four, and MONITOR exactly when something is corrupt or contradicts. */
    @Test
    void everyCombinationHasOneVerdict() {
        Side[] locals = {at(0, 'a'), at(3, 'a'), at(5, 'a'), Side.corrupt("local")};
        Side[] others = {Side.unknown(), Side.absent(), Side.corrupt("replica"), at(0, 'a'), at(0, 'b'), at(3, 'a'),
                at(3, 'b'), at(5, 'a'), at(5, 'b'), at(7, 'c')};
        for (Side local : locals) {
            for (Side replica : others) {
                for (Side peer : others) {
                    if (peer.kind() == PowerUp.Kind.CORRUPT || peer.kind() == PowerUp.Kind.ABSENT) {
                        continue; // a peer answers with its fingerprint or not at all
                    }
                    for (boolean slave : new boolean[] {false, true}) {
                        Decision d = PowerUp.decide(local, replica, peer, slave);
                        String where = local + " / " + replica + " / " + peer + " slave=" + slave;
                        boolean corrupt = local.kind() == PowerUp.Kind.CORRUPT || replica.kind() == PowerUp.Kind.CORRUPT;
                        assertEquals(corrupt, d.verdict() == Verdict.CORRUPT, where);
                        if (d.verdict() == Verdict.STALE) {
                            Side from = d.from() == Source.REPLICA ? replica : peer;
                            assertTrue(from.intact(), where);
                            assertTrue(from.fingerprint().generation() >= local.fingerprint().generation(), where);
                        }
                        if (d.verdict() == Verdict.CONTRADICTORY) {
                            assertTrue(local.fingerprint().generation() > 0, where);
                        }
                        if (!corrupt && local.fingerprint().generation() > 0
                                && (replica.intact() && replica.fingerprint().generation() == local.fingerprint().generation()
                                        && !replica.fingerprint().equals(local.fingerprint())
                                        || peer.intact() && peer.fingerprint().generation() == local.fingerprint().generation()
                                        && !peer.fingerprint().equals(local.fingerprint()))) {
                            assertEquals(Verdict.CONTRADICTORY, d.verdict(), where);
                        }
                    }
                }
            }
        }
    }
}
