package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.hasm.netif.internal.Fakes.Pers;
import org.hasm.netif.internal.Fakes.Recorder;
import org.hasm.netif.internal.Fakes.ScriptedDriver;
import org.hasm.spi.HaException;
import org.hasm.spi.Personality;
import org.junit.jupiter.api.Test;

class AddressesTest {
    private static final Pers OWN = Pers.of("alpha", "scm-a", "127.0.10.1", "127.0.10.2");
    private static final Pers PEER = Pers.of("beta", "scm-b", "127.0.20.1");

    private final Recorder recorder = new Recorder();

    private Addresses loopback() {
        return new Addresses("scm-a", "loopback", new LoopbackDriver(), recorder);
    }

    @Test
    void ownPersonalityComesUpInLoopbackMode() throws HaException {
        Addresses a = loopback();
        a.serve(List.of(OWN));
        assertEquals(Set.of("127.0.10.1", "127.0.10.2"), a.added());
        assertEquals(List.of("ADDRESS 127.0.10.1 up", "ADDRESS 127.0.10.2 up"), recorder.steps());
        Recorder.Ev first = recorder.events.get(0);
        assertEquals("scm-a", first.get("scm"));
        assertEquals("alpha", first.get("personality"));
        assertEquals("loopback", first.get("mode"));
    }

    @Test
    void failoverAddsThePeersAddressesAndFailbackRemovesThem() throws HaException {
        Addresses a = loopback();
        a.serve(List.of(OWN));
        a.serve(List.of(OWN, PEER)); // FAILOVER: DEGRADED
        assertEquals(Set.of("127.0.10.1", "127.0.10.2", "127.0.20.1"), a.serving());
        a.serve(List.of(OWN)); // FAILBACK: DAC
        assertEquals(Set.of("127.0.10.1", "127.0.10.2"), a.serving());
        assertEquals(List.of("ADDRESS 127.0.10.1 up", "ADDRESS 127.0.10.2 up", "ADDRESS 127.0.20.1 up",
                "ADDRESS 127.0.20.1 down"), recorder.steps());
        assertEquals("beta", recorder.events.get(3).get("personality"));
    }

    @Test
    void servingTheSameAgainChangesNothing() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(OWN));
        a.serve(List.of(OWN));
        assertEquals(List.of("up 127.0.10.1", "up 127.0.10.2"), d.calls);
    }

    @Test
    void takesDownWhatGoesBeforeBringingUpWhatComes() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(PEER));
        d.calls.clear();
        a.serve(List.of(OWN)); // e.g. an impersonation that swaps what this SCM serves
        assertEquals(List.of("down 127.0.20.1", "up 127.0.10.1", "up 127.0.10.2"), d.calls);
    }

    @Test
    void nothingServedTakesEverythingDown() throws HaException {
        Addresses a = loopback();
        a.serve(List.of(OWN, PEER));
        a.serve(List.<Personality>of()); // ASSUMEDAC: a booting SCM serves nothing yet
        assertEquals(Set.of(), a.serving());
    }

    @Test
    void neverTakesDownAnAddressConfiguredByHand() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        d.byHand.add("127.0.10.2");
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(OWN, PEER));
        assertEquals(Set.of("127.0.10.1", "127.0.20.1"), a.added());
        assertEquals(Set.of("127.0.10.1", "127.0.10.2", "127.0.20.1"), a.serving());

        a.serve(List.of(PEER)); // 127.0.10.2 no longer wanted: forgotten, not removed
        a.release(); // stop
        assertEquals(List.of("up 127.0.10.1", "up 127.0.10.2", "up 127.0.20.1", "down 127.0.10.1",
                "down 127.0.20.1"), d.calls);
        assertTrue(recorder.lines.stream().anyMatch(l -> l.contains("127.0.10.2") && l.contains("never taken down")),
                recorder.lines::toString);
    }

    @Test
    void stopTakesDownEverythingItAddedAndNothingElse() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        d.byHand.add("127.0.20.1");
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(OWN, PEER));
        d.calls.clear();
        a.release();
        assertEquals(List.of("down 127.0.10.1", "down 127.0.10.2"), d.calls);
        assertEquals(Set.of(), a.serving());
        // a new opMode after stop brings them back
        a.serve(List.of(OWN));
        assertEquals(Set.of("127.0.10.1", "127.0.10.2"), a.added());
    }

    @Test
    void anAddressThatFailsToComeDownForAMomentIsTriedAgainAndOneThatNeverDoesIsReported() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(OWN));
        d.calls.clear();
        d.failDownTimes.put("127.0.10.1", Addresses.DOWN_ATTEMPTS - 1);
        a.release();
        assertEquals(Set.of(), a.added(), "down at its last attempt");
        assertEquals(Addresses.DOWN_ATTEMPTS, d.calls.stream().filter(c -> c.equals("down 127.0.10.1")).count());
        a.serve(List.of(OWN));
        d.failDownTimes.put("127.0.10.1", Addresses.DOWN_ATTEMPTS);
        HaException e = assertThrows(HaException.class, a::release);
        assertTrue(e.getMessage().contains("127.0.10.1"), e.getMessage());
        assertEquals(Set.of("127.0.10.1"), a.added(), "kept on the books, to be tried again");
    }

    @Test
    void loopbackModeRefusesARealAddressAndChangesNothing() throws HaException {
        Addresses a = loopback();
        a.serve(List.of(OWN));
        recorder.events.clear();
        HaException e = assertThrows(HaException.class,
                () -> a.serve(List.of(OWN, Pers.of("beta", "scm-b", "198.51.100.100"))));
        assertTrue(e.getMessage().contains("198.51.100.100") && e.getMessage().contains("beta")
                && e.getMessage().contains("loopback"), e.getMessage());
        assertEquals(Set.of("127.0.10.1", "127.0.10.2"), a.serving());
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void loopbackModeTakesIpv6Loopback() throws HaException {
        Addresses a = loopback();
        a.serve(List.of(Pers.of("alpha", "scm-a", "::1")));
        assertEquals(Set.of("0:0:0:0:0:0:0:1"), a.added());
    }

    @Test
    void checkNamesEveryBadAddress() {
        Addresses a = loopback();
        HaException e = assertThrows(HaException.class, () -> a.check(List.of(
                Pers.of("alpha", "scm-a", "10.1.1.1", "127.0.0.300"), Pers.of("beta", "scm-b", "nas.example"))));
        assertTrue(e.getMessage().contains("10.1.1.1"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.300"), e.getMessage());
        assertTrue(e.getMessage().contains("nas.example"), e.getMessage());
        assertEquals(Set.of(), a.serving());
    }

    @Test
    void aDuplicateIsNeverBroughtUpAndComesUpOnceItsHolderLetsGo() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        d.elsewhere.put("127.0.20.1", "02:00:00:00:00:02");
        Addresses a = new Addresses("scm-a", "test", d, recorder, 10);
        try {
            a.serve(List.of(OWN, PEER)); // not a failure: the address is waited for
            // the others are served; the duplicate is not
            assertEquals(Set.of("127.0.10.1", "127.0.10.2"), a.serving());
            assertEquals(Set.of("127.0.20.1"), a.contested());
            Recorder.Ev dup = recorder.events.stream().filter(ev -> ev.topic().equals(Addresses.TOPIC_DUPLICATE))
                    .findFirst().orElseThrow();
            assertEquals("127.0.20.1", dup.get("address"));
            assertEquals("02:00:00:00:00:02", dup.get("holder"));
            assertEquals("beta", dup.get("personality"));
            assertTrue(recorder.lines.stream().anyMatch(l -> l.startsWith("ERROR") && l.contains("127.0.20.1")));
            Await.until("checked again while held", () -> count(d, "up 127.0.20.1") >= 3, d.calls::toString);
            assertFalse(a.serving().contains("127.0.20.1"));

            d.elsewhere.remove("127.0.20.1"); // the paused former owner woke and let go
            Await.until("brought up once free", () -> a.serving().contains("127.0.20.1"), a::serving);
            assertEquals(Set.of(), a.contested());
            assertTrue(recorder.events.stream().anyMatch(ev -> ev.topic().equals(Addresses.TOPIC_ADDRESS)
                    && "127.0.20.1".equals(ev.get("address")) && "up".equals(ev.get("action"))));
        } finally {
            a.close();
        }
    }

    @Test
    void aContestedAddressNoLongerWantedIsNotWaitedFor() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        d.elsewhere.put("127.0.20.1", "02:00:00:00:00:02");
        d.elsewhere.put("127.0.10.2", "02:00:00:00:00:03"); // stays held: proves the checks go on
        Addresses a = new Addresses("scm-a", "test", d, recorder, 10);
        try {
            a.serve(List.of(OWN, PEER));
            assertEquals(Set.of("127.0.10.2", "127.0.20.1"), a.contested());
            a.serve(List.of(OWN)); // beta handed back while its address was waited for
            assertEquals(Set.of("127.0.10.2"), a.contested());
            d.elsewhere.remove("127.0.20.1");
            long held = count(d, "up 127.0.10.2");
            Await.until("three more checks of the address still wanted", () -> count(d, "up 127.0.10.2") >= held + 3,
                    d.calls::toString);
            assertEquals(1, count(d, "up 127.0.20.1"), d.calls::toString);
            assertFalse(a.serving().contains("127.0.20.1"));
        } finally {
            a.close();
        }
    }

    @Test
    void anAddressThatWouldNotGoDownIsTriedAgain() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.serve(List.of(OWN, PEER));
        d.failDown.add("127.0.20.1");
        HaException e = assertThrows(HaException.class, () -> a.serve(List.of(OWN)));
        assertTrue(e.getMessage().contains("127.0.20.1") && e.getMessage().contains("not permitted"), e.getMessage());
        assertTrue(a.added().contains("127.0.20.1"));
        d.failDown.clear();
        a.release();
        assertEquals(Set.of(), a.added());
    }

    @Test
    void leftoversOfAnEarlierRunAreTakenDown() throws HaException {
        ScriptedDriver d = new ScriptedDriver();
        d.leftovers.add("127.0.20.1");
        Addresses a = new Addresses("scm-a", "test", d, recorder);
        a.clearLeftovers();
        assertEquals(List.of("down 127.0.20.1"), d.calls);
        assertEquals(List.of("ADDRESS 127.0.20.1 down"), recorder.steps());
    }

    private static long count(ScriptedDriver d, String call) {
        synchronized (d.calls) {
            return d.calls.stream().filter(call::equals).count();
        }
    }
}
