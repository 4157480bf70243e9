package org.hasm.example.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.hasm.spi.Personality;
import org.hasm.testkit.ContractKit;
import org.hasm.testkit.ContractReport;
import org.hasm.testkit.Logs;
import org.hasm.testkit.Violation;
import org.junit.jupiter.api.Test;

class ExampleContractTest {

    private static void hello(Personality p, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(p.addresses().get(0), port), 1000);
            s.setSoTimeout(2000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!answer.startsWith("hasm example: personality " + p.name() + " on scm-kit")) {
                throw new IOException("personality " + p.name() + " answered '" + answer.strip() + "'");
            }
        }
    }

    @Test
    void theExampleServiceKeepsTheLifecycleContract() {
        int port = ContractKit.freePort();
        Logs logs = Logs.named("org.hasm.example");
        ContractKit.forModule("example", kit -> new ExampleService("1.0.0", "hello", logs.logger(), kit.readiness()))
                .property(ExampleService.PORT, Integer.toString(port))
                .client(p -> hello(p, port))
                .run()
                .assertNoViolations();
        assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("INFO opMode(MASTER, DEGRADED): serving ")),
                logs.lines().toString());
    }

    @Test
    void aWrongPortIsRefusedNamingThePersonalityTheKeyAndTheValue() {
        Logs logs = Logs.named("org.hasm.example");
        ContractReport report = ContractKit.forModule("example",
                        kit -> new ExampleService("1.0.0", "hello", logs.logger(), kit.readiness()))
                .property(ExampleService.PORT, "http")
                .run();
        assertEquals(Violation.Kind.CALL_FAILED, report.violations().get(0).kind(), report.toString());
        assertEquals("READY: opMode(MASTER, DAC)", report.violations().get(0).phase());
        assertEquals("HaException: personality A: example.port: 'http' is not a port number (1..65535)",
                report.violations().get(0).message());
    }
}
