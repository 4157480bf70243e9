package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SCM as systemd runs it: {@code hasm supervise DIR} with {@code NOTIFY_SOCKET} and
 * {@code WATCHDOG_USEC} set, as the shipped unit ({@code systemd/hasm@.service}) has it, and a
 * datagram socket of the test's own in systemd's place. scm-a says it is starting, READY=1 once it
 * serves, its state in STATUS= through a takeover, pings the watchdog every half period, and says
 * STOPPING=1 when stopped; systemd itself accepts the unit.
 */
class SystemdIT {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void anScmUnderSystemdSaysReadyItsStateAndStoppingAndPingsTheWatchdog(@TempDir Path work) throws Exception {
        try (NotifySocket systemd = NotifySocket.bind(work.resolve("notify-a.sock"));
                Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.supervised(); // as the unit starts it
            pair.environment(A, Map.of("NOTIFY_SOCKET", systemd.path().toString(), "WATCHDOG_USEC", "1000000"));
            // as the unit has it (SMB would start smbd, which reads NOTIFY_SOCKET if it inherits it)
            pair.start(A);
            pair.start(B);
            systemd.await("scm-a says it starts", "STATUS=starting SCM scm-a from " + pair.node(A), Pair.BOOT);
            String ready = systemd.await("scm-a ready", "READY=1", Pair.BOOT);
            assertTrue(ready.matches("(?s)READY=1\nSTATUS=scm-a (DAC|DEGRADED) MASTER .*"), ready);
            pair.awaitState(A, "DAC", "MASTER", STEP);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            systemd.await("scm-a's status in DAC", "STATUS=scm-a DAC MASTER DAC, serving A", STEP);

            // a period of 1 s: a ping every half second while the controller thread runs its probes
            long pings = count(systemd, "WATCHDOG=1");
            assertTrue(pings >= 1, "pinged since the start: " + systemd.poll());
            Await.until("three more watchdog pings", Duration.ofSeconds(10), () -> count(systemd, "WATCHDOG=1") >= pings + 3,
                    systemd::poll);

            pair.kill(B);
            systemd.await("scm-a's status after the takeover", "STATUS=scm-a DEGRADED MASTER DEGRADED, serving A B", STEP);
            pair.terminate(A);
            systemd.await("scm-a stopping", "STOPPING=1", STEP);
            assertEquals(1, count(systemd, "READY=1"), "READY=1 once: " + systemd.poll());
            // the processes the SCM starts (smbd, systemd-aware) never get the socket: bin/hasm keeps it from them
            assertTrue(systemd.poll().stream().allMatch(m -> m.contains("scm-a") || m.equals("WATCHDOG=1")),
                    "only the SCM notifies: " + systemd.poll());
        }
    }

    @Test
    void theShippedUnitIsOneSystemdAccepts(@TempDir Path work) throws Exception {
        Path analyze = Requirements.tool("systemd-analyze");
        Requirements.require(analyze != null, "systemd-analyze is not installed (apt-get install -y systemd): the test"
                + " has systemd check the shipped unit");
        Path dist = ScmProcess.distribution();
        String unit = Files.readString(dist.resolve("systemd/hasm@.service"));
        for (String line : new String[] {"Type=notify", "NotifyAccess=all", "WatchdogSec=", "KillMode=mixed",
            "ExecStart=/opt/hasm/bin/hasm supervise /var/lib/hasm/%i"}) {
            assertTrue(unit.lines().anyMatch(l -> l.startsWith(line)), line + " in the unit:\n" + unit);
        }
        // systemd checks that ExecStart's program exists: this distribution's in place of /opt/hasm
        Path here = work.resolve("hasm@.service");
        Files.writeString(here, unit.replace("/opt/hasm", dist.toString()));
        Cli verify = Cli.run(STEP, analyze.toString(), "verify", here.toString());
        assertEquals(0, verify.code(), verify.toString());
        assertEquals("", verify.stderr().strip() + verify.stdout().strip(), "systemd-analyze verify says nothing");

        // and it is a check that can fail: an unknown key and a missing program are reported
        Files.writeString(here, unit.replace("/opt/hasm", work.resolve("nowhere").toString()).replace("KillMode=mixed",
                "KillMode=mixed\nWatchDogSec=30"));
        Cli bad = Cli.run(STEP, analyze.toString(), "verify", here.toString());
        String said = bad.stderr() + bad.stdout();
        assertTrue(said.contains("WatchDogSec") && said.contains("nowhere/bin/hasm"), said);
    }

    private static long count(NotifySocket systemd, String field) {
        return systemd.poll().stream().filter(m -> m.equals(field) || m.startsWith(field)).count();
    }
}
