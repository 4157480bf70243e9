package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** hasmctl's command line and its one-line failures; the rendering is in StatusTableTest. */
class HasmCtlTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        return new HasmCtl(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void optionsGoAnywhereAndDefaultToTheDemoPairsFirstNode() throws Exception {
        assertEquals(new HasmCtl.Request(HasmCtl.DEFAULT_NODE, "status", true, null, null),
                HasmCtl.parse(new String[] {"status", "--json"}));
        assertEquals(new HasmCtl.Request("http://127.0.0.1:7701", "journal", false, 12L, null),
                HasmCtl.parse(new String[] {"journal", "--after=12", "--node", "http://127.0.0.1:7701"}));
        assertEquals(new HasmCtl.Request("127.0.0.1:7701", "surrender", false, null, "upgrade"),
                HasmCtl.parse(new String[] {"--node=127.0.0.1:7701", "surrender", "--reason", "upgrade"}));
    }

    @Test
    void usageMistakesAreOneLineAndExitCode2() {
        String[][] cases = {
            {},
            {"frobnicate"},
            {"status", "journal"},
            {"status", "--after", "3"},
            {"journal", "--after", "x"},
            {"journal", "--after", "-2"},
            {"status", "--reason", "x"},
            {"reset", "--json"},
            {"status", "--node"},
            {"status", "--node", "ftp://host"},
            {"status", "--verbose"},
        };
        for (String[] args : cases) {
            err.reset();
            assertEquals(2, execute(args), String.join(" ", args));
            assertTrue(err().startsWith("hasmctl: ") && err().indexOf('\n') == err().length() - 1,
                    String.join(" ", args) + " -> " + err());
        }
    }

    @Test
    void anUnreachableNodeIsOneLineAndExitCode1() throws IOException {
        int port;
        // a port that was free a moment ago: nothing listens there now
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertEquals(1, execute("--node", "http://127.0.0.1:" + port, "status"));
        assertEquals("hasmctl: http://127.0.0.1:" + port + "/hasm/api/v1/status: cannot connect"
                + " (is the SCM running, is this its admin port?)\n", err());
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, execute("help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: hasmctl"));
    }
}
