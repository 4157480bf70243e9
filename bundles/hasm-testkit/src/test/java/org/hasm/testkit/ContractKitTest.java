package org.hasm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.hasm.spi.Call;
import org.hasm.testkit.CounterService.Fault;
import org.hasm.testkit.Violation.Kind;
import org.junit.jupiter.api.Test;

class ContractKitTest {

    private static ContractReport run(Fault fault, Duration deadline) {
        int port = ContractKit.freePort();
        return ContractKit.forModule("counter", kit -> new CounterService(kit, fault))
                .property(CounterService.PORT, Integer.toString(port))
                .deadline(deadline)
                .client(p -> CounterService.ask(p, port))
                .run();
    }

    private static ContractReport run(Fault fault) {
        return run(fault, Duration.ofSeconds(10));
    }

    @Test
    void aServiceThatKeepsTheContractPasses() {
        ContractReport report = run(Fault.NONE);
        report.assertNoViolations();
        assertTrue(report.calls().stream().anyMatch(c -> c.startsWith("FAILOVER: opMode(MASTER, DEGRADED) repeated: returned")),
                report.toString());
        assertTrue(report.calls().stream().anyMatch(c -> c.startsWith("HOT REPLACE: opMode(MASTER, DAC): returned")),
                report.toString());
        assertTrue(report.calls().stream().anyMatch(c -> c.startsWith("FENCE: the client used A after the fence: IOException: A answered 'refused")),
                report.toString());
    }

    @Test
    void aServiceThatKeepsAPortAfterGivingItsPersonalityAwayIsCaught() {
        ContractReport report = run(Fault.KEEPS_PORT);
        assertEquals(List.of(Kind.KEPT_PORT), report.kinds(), report.toString());
        Violation v = report.violations().get(0);
        assertEquals("FAILBACK: opMode(MASTER, DAC)", v.phase());
        assertTrue(v.message().startsWith("personality B was given away, but it still holds "), v.message());
    }

    @Test
    void aServiceThatBlocksPastItsDeadlineIsCaught() {
        ContractReport report = run(Fault.BLOCKS_IN_TAKEOVER, Duration.ofMillis(300));
        assertEquals(List.of(Kind.PAST_DEADLINE), report.kinds(), report.toString());
        Violation v = report.violations().get(0);
        assertEquals("FAILOVER: opMode(MASTER, DEGRADED)", v.phase());
        assertTrue(v.message().startsWith("OPMODE still ran after its deadline of 300 ms"), v.message());
        assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("the run stopped early")), report.toString());
    }

    @Test
    void aServiceThatWritesAfterItsVolumeIsFencedIsCaught() {
        ContractReport report = run(Fault.WRITES_WITHOUT_FENCE);
        assertEquals(List.of(Kind.WRITE_AFTER_FENCE), report.kinds(), report.toString());
        String m = report.violations().get(0).message();
        assertTrue(m.startsWith("volume vol-a changed after the peer took it over"), m);
        assertTrue(m.contains(".hasm-private/counter/count (changed)"), m);
    }

    @Test
    void aFenceLagExcusesNothingWrittenAfterIt() {
        int port = ContractKit.freePort();
        ContractReport report = ContractKit.forModule("counter", kit -> new CounterService(kit, Fault.WRITES_WITHOUT_FENCE))
                .property(CounterService.PORT, Integer.toString(port))
                .fenceLag(Duration.ofMillis(200))
                .client(p -> CounterService.ask(p, port))
                .run();
        // the client's request after the lag still writes: a server that keeps writing is caught all the same
        assertEquals(List.of(Kind.WRITE_AFTER_FENCE), report.kinds(), report.toString());
        assertTrue(report.calls().contains("FENCE: vol-a lost; the peer takes it over after the fence lag of 200 ms"),
                report.toString());
        assertThrows(IllegalArgumentException.class, () -> ContractKit.forModule("counter", kit -> null)
                .fenceLag(Duration.ofSeconds(11)));
    }

    @Test
    void aServiceWhoseSecondOpModeDacFailsIsCaught() {
        // what fails afterwards leaves personalities unserved: a short deadline ends the client's tries soon
        ContractReport report = run(Fault.BINDS_AGAIN, Duration.ofMillis(500));
        Violation first = report.violations().get(0);
        assertEquals(Kind.NOT_IDEMPOTENT, first.kind(), report.toString());
        assertEquals("READY: opMode(MASTER, DAC) repeated", first.phase());
        assertTrue(first.message().contains("cannot listen"), first.message());
    }

    @Test
    void aViolationFailsTheOneAssertionWithEveryViolationNamed() {
        ContractReport report = run(Fault.KEEPS_PORT);
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, report::assertNoViolations);
        assertTrue(e.getMessage().startsWith("module counter: 1 violation\n  KEPT_PORT in 'FAILBACK: opMode(MASTER, DAC)': "),
                e.getMessage());
    }

    @Test
    void aBadDeadlineOrNameIsRefusedWithWhatIsWrong() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ContractKit.forModule("no spaces", kit -> null));
        assertEquals("'no spaces' is not a module name (letters, digits, '_' and '-')", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ContractKit.forModule("m", kit -> null).deadline(Call.STOP, Duration.ZERO));
        assertEquals("deadline of STOP must be positive: PT0S", e.getMessage());
    }
}
