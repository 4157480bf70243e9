package org.hasm.ups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UpsdClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private FakeUpsd upsd;

    @BeforeEach
    void start() throws IOException {
        upsd = new FakeUpsd();
    }

    @AfterEach
    void stop() throws Exception {
        upsd.close();
    }

    private UpsdClient connect() throws IOException {
        return UpsdClient.connect("127.0.0.1", upsd.port(), TIMEOUT, "testups", null, null);
    }

    @Test
    void getsAVariableAndSaysWhenTheUpsDoesNotReportIt() throws IOException {
        try (UpsdClient c = connect()) {
            assertEquals("OL", c.get("testups", "ups.status"));
            assertNull(c.get("testups", "ups.alarm"));
            assertEquals("100", c.get("testups", "battery.charge"));
        }
        assertEquals("LOGOUT", upsd.requests.get(upsd.requests.size() - 1), "says goodbye: " + upsd.requests);
    }

    @Test
    void readsQuotedValuesWithTheirEscapes() throws IOException {
        // upsd escapes '"' and '\' inside a value with a backslash
        upsd.answers.put("GET VAR testups ups.alarm", "VAR testups ups.alarm \"Temperature \\\"high\\\" \\\\ fan\"");
        upsd.answers.put("GET VAR testups ups.status", "VAR testups ups.status \"OB LB ALARM\"");
        try (UpsdClient c = connect()) {
            assertEquals("Temperature \"high\" \\ fan", c.get("testups", "ups.alarm"));
            assertEquals("OB LB ALARM", c.get("testups", "ups.status"));
        }
    }

    @Test
    void anEmptyValueIsAnEmptyString() throws IOException {
        upsd.answers.put("GET VAR testups ups.alarm", "VAR testups ups.alarm \"\"");
        try (UpsdClient c = connect()) {
            assertEquals("", c.get("testups", "ups.alarm"));
        }
    }

    @Test
    void listsEveryVariableAndEveryUps() throws IOException {
        try (UpsdClient c = connect()) {
            Map<String, String> vars = c.listVars("testups");
            assertEquals(14, vars.size());
            assertEquals("Dummy UPS", vars.get("device.model"));
            assertEquals("OL", vars.get("ups.status"));
            assertEquals(Map.of("testups", "hasm test"), c.listUps());
        }
    }

    @Test
    void aRefusalIsThrownWithUpsdsCode() throws IOException {
        for (String code : List.of("UNKNOWN-UPS", "DATA-STALE", "DRIVER-NOT-CONNECTED")) {
            upsd.answers.put("GET VAR testups ups.status", "ERR " + code);
            try (UpsdClient c = connect()) {
                UpsdClient.UpsdException e = assertThrows(UpsdClient.UpsdException.class,
                        () -> c.get("testups", "ups.status"));
                assertEquals(code, e.code());
                assertEquals("upsd answered ERR " + code + " to GET VAR testups ups.status", e.getMessage());
            }
        }
        try (UpsdClient c = connect()) {
            assertEquals("UNKNOWN-UPS", assertThrows(UpsdClient.UpsdException.class, () -> c.listVars("nosuch")).code());
        }
    }

    @Test
    void logsInWithUserAndPasswordAndSaysWhenRefused() throws IOException {
        try (UpsdClient c = UpsdClient.connect("127.0.0.1", upsd.port(), TIMEOUT, "testups", "watcher", "secret1")) {
            assertEquals("OL", c.get("testups", "ups.status"));
        }
        assertEquals(List.of("USERNAME watcher", "PASSWORD secret1", "LOGIN testups"), upsd.requests.subList(0, 3));
        UpsdClient.UpsdException e = assertThrows(UpsdClient.UpsdException.class,
                () -> UpsdClient.connect("127.0.0.1", upsd.port(), TIMEOUT, "testups", "watcher", "wrong"));
        assertEquals("ACCESS-DENIED", e.code());
        assertEquals("upsd answered ERR ACCESS-DENIED to LOGIN testups", e.getMessage(), "the password is never shown");
    }

    @Test
    void aClosedConnectionATimeoutAndGarbageAreErrorsThatSayWhat() throws Exception {
        upsd.override = line -> null; // never answers
        try (UpsdClient c = connect()) {
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> c.get("testups", "ups.status"));
            assertEquals("upsd did not answer within 2000 ms", e.getMessage());
        }
        upsd.override = line -> "x".repeat(UpsdClient.MAX_LINE + 10);
        try (UpsdClient c = connect()) {
            IOException e = assertThrows(IOException.class, () -> c.get("testups", "ups.status"));
            assertEquals("upsd sent a line longer than 4096 bytes", e.getMessage());
        }
        upsd.override = line -> "VAR testups ups.status \"unterminated";
        try (UpsdClient c = connect()) {
            IOException e = assertThrows(IOException.class, () -> c.get("testups", "ups.status"));
            assertTrue(e.getMessage().startsWith("upsd's answer to GET VAR testups ups.status ends inside a quoted"
                    + " value"), e.getMessage());
        }
        upsd.override = line -> "VAR otherups ups.status \"OL\"";
        try (UpsdClient c = connect()) {
            IOException e = assertThrows(IOException.class, () -> c.get("testups", "ups.status"));
            assertTrue(e.getMessage().contains("is not a VAR line"), e.getMessage());
        }
        upsd.override = line -> line.startsWith("GET") ? "OK" : null;
        try (UpsdClient c = connect()) {
            upsd.close(); // the server goes away under the client
            // an end of stream, or a reset when the request was still unread: both an IOException that says so
            IOException e = assertThrows(IOException.class, () -> c.get("testups", "ups.status"));
            assertTrue(e instanceof EOFException || String.valueOf(e.getMessage()).contains("reset"), e.toString());
        }
    }

    @Test
    void aListThatNeverEndsIsCutAtItsBound() throws IOException {
        StringBuilder endless = new StringBuilder("BEGIN LIST VAR testups");
        for (int i = 0; i <= UpsdClient.MAX_LIST + 1; i++) {
            endless.append("\nVAR testups v").append(i).append(" \"1\"");
        }
        upsd.answers.put("LIST VAR testups", endless.toString());
        try (UpsdClient c = UpsdClient.connect("127.0.0.1", upsd.port(), Duration.ofSeconds(10), "testups", null, null)) {
            IOException e = assertThrows(IOException.class, () -> c.listVars("testups"));
            assertEquals("upsd's answer to LIST VAR testups has more than 10000 entries", e.getMessage());
        }
    }

    @Test
    void nobodyListeningIsAnErrorAtConnect() throws Exception {
        int port = upsd.port();
        upsd.close();
        assertThrows(IOException.class, () -> UpsdClient.connect("127.0.0.1", port, TIMEOUT, "testups", null, null));
    }
}
