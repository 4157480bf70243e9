package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real scripts ({@code #!/bin/sh}) started the way every alert starts them. */
class ScriptTargetTest {
    @TempDir
    Path dir;

    private final Processes processes = new Processes();

    @AfterEach
    void killWhatIsLeft() {
        processes.close();
    }

    private ScriptTarget target(Path script) {
        return new ScriptTarget(script, dir.resolve("work"), processes);
    }

    @Test
    void aScriptReceivesTheAlertInItsEnvironmentAndAsJsonOnItsStandardInput() throws Exception {
        Path script = Fixtures.script(dir, "notify.sh", "env | grep '^HASM_ALERT_' > '" + dir.resolve("env") + "'\n"
                + "cat > '" + dir.resolve("stdin") + "'\n"
                + "echo notified");
        Alert alert = Fixtures.alert(12, Map.of("scm", "scm-b", "state", "DEGRADED", "opMode", "MASTER",
                "reason", "peer scm-a lost\non all channels", "kind", "FAILOVER"));

        Outcome o = target(script).deliver(alert, Duration.ofSeconds(10), 0);

        assertTrue(o.ok(), o.toString());
        assertEquals("exit 0: notified", o.detail());
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("env"))) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals("state", env.get("HASM_ALERT_KIND"));
        assertEquals("org/hasm/controller/STATE", env.get("HASM_ALERT_TOPIC"));
        assertEquals("scm-b", env.get("HASM_ALERT_SCM"));
        assertEquals("7", env.get("HASM_ALERT_INCARNATION"));
        assertEquals("12", env.get("HASM_ALERT_SEQUENCE"));
        assertEquals("2026-11-25T10:15:30Z", env.get("HASM_ALERT_TIME"));
        assertEquals("scm-b: DEGRADED, serving a and b (lost on all channels)", env.get("HASM_ALERT_DESC"));
        assertEquals("DEGRADED", env.get("HASM_ALERT_STATE"));
        assertEquals("MASTER", env.get("HASM_ALERT_OPMODE"));
        assertEquals("peer scm-a lost on all channels", env.get("HASM_ALERT_REASON"), "one line");
        assertEquals("FAILOVER", env.get("HASM_ALERT_EVENT_KIND"), "a property named like a fixed variable");
        assertEquals("scm-b", env.get("HASM_ALERT_EVENT_SCM"));
        assertArrayEquals(alert.json(), Files.readAllBytes(dir.resolve("stdin")));
        assertEquals(List.of(), List.of(dir.resolve("work").toFile().list()), "its input and output files are removed");
    }

    @Test
    void aScriptGetsTheSevenFixedVariablesAndOneForEachProperty() throws Exception {
        Path script = Fixtures.script(dir, "count.sh", "env | grep -c '^HASM_ALERT_'");
        Outcome o = target(script).deliver(Fixtures.alert(1, Map.of("state", "DAC")), Duration.ofSeconds(10), 0);
        assertEquals("exit 0: 8", o.detail(), "the seven fixed variables and the one property");
    }

    @Test
    void aFailingScriptIsReportedWithItsExitCodeAndTheFirstLinesOfItsOutput() throws Exception {
        Path script = Fixtures.script(dir, "fail.sh", "echo 'pager: no route to host' >&2\necho second\n\n"
                + "echo third\necho fourth\nexit 3");

        Outcome o = target(script).deliver(Fixtures.alert(1), Duration.ofSeconds(10), 0);

        assertFalse(o.ok());
        assertEquals("exit 3: pager: no route to host | second | third", o.detail());
    }

    @Test
    void aScriptThatHangsIsKilledAtTheTimeoutWithItsChild() throws Exception {
        Path childPid = dir.resolve("child.pid");
        Path script = Fixtures.script(dir, "hang.sh", "sleep 300 &\necho $! > '" + childPid + "'\necho waiting\nwait");

        long start = System.nanoTime();
        Outcome o = target(script).deliver(Fixtures.alert(1), Duration.ofMillis(700), 0);
        long took = Duration.ofNanos(System.nanoTime() - start).toMillis();

        assertFalse(o.ok());
        assertEquals("killed after 700 ms (the timeout), with its children: waiting", o.detail());
        assertTrue(took >= 700 && took < 10_000, took + " ms");
        long child = Fixtures.readPid(childPid);
        Await.until("the script's child " + child + " is killed", () -> Fixtures.gone(child), () -> "alive");
        assertEquals(0, processes.running());
    }

    @Test
    void aScriptRemovedSinceTheConfigurationWasCheckedFails() throws Exception {
        Path script = dir.resolve("removed.sh");

        Outcome o = target(script).deliver(Fixtures.alert(1), Duration.ofSeconds(5), 0);

        assertFalse(o.ok());
        assertTrue(o.detail().startsWith("could not be started: "), o.detail());
    }

    @Test
    void closingKillsARunningScriptWithItsChildAndNothingStartsAfter() throws Exception {
        Path childPid = dir.resolve("child.pid");
        Path script = Fixtures.script(dir, "hang.sh", "sleep 300 &\necho $! > '" + childPid + "'\nwait");
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                outcome.set(target(script).deliver(Fixtures.alert(1), Duration.ofMinutes(5), 0));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-deliver");
        t.start();
        try {
            Await.until("the script runs with its child", () -> processes.running() == 1 && Files.exists(childPid)
                    && !safeRead(childPid).isEmpty(), processes::running);
            long child = Fixtures.readPid(childPid);

            processes.close();

            t.join(10_000);
            assertFalse(t.isAlive());
            assertFalse(outcome.get().ok());
            assertTrue(outcome.get().detail().startsWith("exit 137"), outcome.get().detail());
            Await.until("the child " + child + " is killed", () -> Fixtures.gone(child), () -> "alive");
            Outcome after = target(script).deliver(Fixtures.alert(2), Duration.ofSeconds(5), 0);
            assertEquals("could not be started: the alerts bundle is stopping", after.detail());
        } finally {
            t.interrupt();
            t.join(10_000);
        }
    }

    private static String safeRead(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
