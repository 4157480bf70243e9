package org.hasm.psom.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hasm.spi.shared.Persistence;
import org.junit.jupiter.api.Test;

class ResyncTest {
    private static Meta m(String name, long term, long version, int checksum) {
        return new Meta(name, Persistence.PERSISTENT, term, version, false, checksum);
    }

    @Test
    void objectsHeldByOneSideGoToTheOther() {
        Resync.Plan p = Resync.decide(Map.of("a", m("a", 1, 1, 5)), Map.of("b", m("b", 1, 1, 6)));
        assertEquals(List.of("a"), p.toSlave());
        assertEquals(List.of("b"), p.toMaster());
    }

    @Test
    void theHigherTermWinsOverAHigherVersion() {
        // the SLAVE (once the dead MASTER) wrote versions nobody confirmed; the survivor took over (term 2)
        Resync.Plan p = Resync.decide(Map.of("x", m("x", 2, 4, 1)), Map.of("x", m("x", 1, 9, 2)));
        assertEquals(List.of("x"), p.toSlave());
        assertEquals(List.of(), p.toMaster());
        Resync.Plan q = Resync.decide(Map.of("x", m("x", 1, 9, 2)), Map.of("x", m("x", 2, 4, 1)));
        assertEquals(List.of("x"), q.toMaster(), "a SLAVE that wrote alone in a later term keeps its copy");
    }

    @Test
    void inOneTermTheHigherVersionWins() {
        Resync.Plan p = Resync.decide(Map.of("x", m("x", 3, 4, 1)), Map.of("x", m("x", 3, 5, 2)));
        assertEquals(List.of("x"), p.toMaster());
    }

    @Test
    void aTieWithDifferentContentIsSettledByTheMaster() {
        Resync.Plan p = Resync.decide(Map.of("x", m("x", 3, 4, 1)), Map.of("x", m("x", 3, 4, 2)));
        assertEquals(List.of("x"), p.toSlave());
        assertEquals(List.of(), p.toMaster());
    }

    @Test
    void equalCopiesNeedNothingAndATombstoneTravelsLikeAValue() {
        assertTrue(Resync.decide(Map.of("x", m("x", 3, 4, 1)), Map.of("x", m("x", 3, 4, 1))).empty());
        Meta deleted = new Meta("x", Persistence.PERSISTENT, 3, 5, true, 0);
        Resync.Plan p = Resync.decide(Map.of("x", deleted), Map.of("x", m("x", 3, 4, 1)));
        assertEquals(List.of("x"), p.toSlave(), "a deletion made while the peer was away is not undone");
    }

    @Test
    void anObjectOnlyAStoreBehindThePruningHoldsIsDroppedThereNotGiven() {
        Meta live = m("x", 1, 2, 5);
        Meta tombstone = new Meta("t", Persistence.PERSISTENT, 1, 3, true, 0);
        Meta memory = new Meta("v", Persistence.VOLATILE, 1, 1, false, 7);
        Map<String, Meta> behind = Map.of("x", live, "t", tombstone, "v", memory);
        Resync.Plan p = Resync.decide(Map.of(), behind, true, false);
        assertEquals(List.of("x"), p.dropOnSlave(), "a persistent object the MASTER may have deleted and pruned");
        assertEquals(List.of("t", "v"), p.toMaster(), "a tombstone brings nothing back; volatile objects are not in a copied store");
        Resync.Plan q = Resync.decide(behind, Map.of(), false, true);
        assertEquals(List.of("x"), q.dropOnMaster());
        assertEquals(List.of("t", "v"), q.toSlave());
        // held by both: the stamps decide, behind or not
        Resync.Plan r = Resync.decide(Map.of("x", m("x", 1, 1, 4)), Map.of("x", live), true, false);
        assertEquals(List.of("x"), r.toMaster());
        assertTrue(r.dropOnSlave().isEmpty());
        // not behind: as before
        assertEquals(List.of("t", "v", "x"), Resync.decide(Map.of(), behind, false, false).toMaster());
    }
}
