package org.hasm.storage.internal.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CommandFenceTest {

    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final Reporter reporter = new Reporter() {
        @Override
        public void info(String message) {
            reports.add("INFO " + message);
        }

        @Override
        public void warn(String message) {
            reports.add("WARN " + message);
        }
    };

    private boolean run(String line, Duration timeout) throws Exception {
        return new CommandFence(CommandFence.split(line), reporter).fence("scm-b", timeout);
    }

    @Test
    void exitZeroWithinTheTimeoutIsFenced() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        assertTrue(run("/bin/sh -c 'exit 0'", Duration.ofSeconds(10)), reports.toString());
        assertTrue(run("/bin/sh -c 'test \"$0\" = scm-b' ${peer}", Duration.ofSeconds(10)), "the peer's name is passed; " + reports);
        assertFalse(run("/bin/sh -c 'echo link not found >&2; exit 3'", Duration.ofSeconds(10)));
        assertTrue(reports.get(reports.size() - 1).contains("exit status 3, not fenced: link not found"), reports.toString());
    }

    @Test
    void aCommandThatOverrunsIsKilledAndNotFenced() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        long start = System.nanoTime();
        assertFalse(run("/bin/sh -c 'sleep 30'", Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "returned long before the command would end");
        assertTrue(reports.get(reports.size() - 1).contains("did not finish within 300 ms"), reports.toString());
    }

    @Test
    void theCheckFindsTheProgramAndRunsNothing(@org.junit.jupiter.api.io.TempDir Path dir) {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");
        Path touched = dir.resolve("ran");
        var ready = new CommandFence(CommandFence.split("sh -c 'touch " + touched + "' ${peer}"), reporter)
                .check("scm-b", "/nonexistent:/bin");
        assertTrue(ready.ready(), ready.toString());
        assertTrue(ready.detail().startsWith("would run 'sh -c touch " + touched + " scm-b' (/bin/sh)"), ready.detail());
        assertFalse(Files.exists(touched), "the check ran nothing");

        var notOnPath = new CommandFence(CommandFence.split("hasm-no-such-fence ${peer}"), reporter).check("scm-b", "/bin");
        assertFalse(notOnPath.ready());
        assertTrue(notOnPath.detail().contains("hasm-no-such-fence is not an executable on the PATH (/bin)"), notOnPath.detail());
        var missing = new CommandFence(CommandFence.split("/no/such/fence-command"), reporter).check("scm-b", "/bin");
        assertFalse(missing.ready());
        assertTrue(missing.detail().contains("/no/such/fence-command is not an executable file"), missing.detail());
    }

    @Test
    void aMissingCommandIsAnError() {
        assertThrows(java.io.IOException.class, () -> run("/no/such/fence-command", Duration.ofSeconds(5)));
    }

    @Test
    void commandLinesSplitOnBlanksWithQuotes() {
        assertEquals(List.of("ip", "netns", "exec", "hasm-b", "ip", "link", "set", "veth-b", "down"),
                CommandFence.split("ip netns exec hasm-b  ip link set veth-b down"));
        assertEquals(List.of("sh", "-c", "a 'b' c", "", "x y"), CommandFence.split("sh -c \"a 'b' c\" '' x' 'y"));
        assertThrows(IllegalArgumentException.class, () -> CommandFence.split("sh -c 'oops"));
    }
}
