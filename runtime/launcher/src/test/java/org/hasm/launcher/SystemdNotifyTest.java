package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemdNotifyTest {
    /** A JVM started without bin/hasm's properties. */
    private static final java.util.function.Function<String, String> NO_PROPERTIES = key -> null;
    private final PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private final String self = Long.toString(ProcessHandle.current().pid());
    private final String parent = ProcessHandle.current().parent().map(p -> Long.toString(p.pid())).orElse("1");

    @Test
    void theSocketIsAPathOrAnAbstractName() {
        assertArrayEquals(new byte[] {1, 0, '/', 'r', '/', 'n', 0}, SystemdNotify.address("/r/n"));
        assertArrayEquals(new byte[] {1, 0, 0, 'n', 's'}, SystemdNotify.address("@ns"), "abstract: no trailing NUL");
    }

    @Test
    void binHasmsPropertiesWinOverTheEnvironment() throws LaunchException {
        assertNull(SystemdNotify.from(NO_PROPERTIES, Map.of(), err), "not started by systemd");
        SystemdNotify fromEnv = SystemdNotify.from(NO_PROPERTIES, Map.of("NOTIFY_SOCKET", "/run/a", "WATCHDOG_USEC", "30000000"),
                err);
        assertEquals(30_000_000, fromEnv.watchdogUsec());
        SystemdNotify fromProps = SystemdNotify.from(Map.of(SystemdNotify.SOCKET_PROPERTY, "@b",
                SystemdNotify.WATCHDOG_USEC_PROPERTY, "2000000", SystemdNotify.WATCHDOG_PID_PROPERTY, "")::get,
                Map.of("NOTIFY_SOCKET", "/run/a", "WATCHDOG_USEC", "30000000"), err);
        assertEquals(2_000_000, fromProps.watchdogUsec(), "bin/hasm's properties, not what is left in the environment");
        assertThrows(LaunchException.class, () -> SystemdNotify.from(NO_PROPERTIES, Map.of("NOTIFY_SOCKET", "relative"), err));
        assertThrows(LaunchException.class, () -> SystemdNotify.from(NO_PROPERTIES, Map.of("NOTIFY_SOCKET", "/" + "x".repeat(120)),
                err));
    }

    @Test
    void theWatchdogIsThisProcesssOrItsLoopsNoOtherOnes() {
        assertEquals(5, SystemdNotify.watchdog(Map.of("WATCHDOG_USEC", "5")), "no pid named: this process's");
        assertEquals(5, SystemdNotify.watchdog(Map.of("WATCHDOG_USEC", "5", "WATCHDOG_PID", self)), "hasm run");
        assertEquals(5, SystemdNotify.watchdog(Map.of("WATCHDOG_USEC", "5", "WATCHDOG_PID", parent)), "hasm supervise");
        assertEquals(0, SystemdNotify.watchdog(Map.of("WATCHDOG_USEC", "5", "WATCHDOG_PID", "999999999")),
                "another service's main process");
        assertEquals(0, SystemdNotify.watchdog(Map.of("WATCHDOG_USEC", "soon")));
        assertEquals(0, SystemdNotify.watchdog(Map.of()));
    }
}
