package org.example.hello.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.hasm.spi.Personality;
import org.hasm.testkit.ContractKit;
import org.hasm.testkit.Logs;
import org.junit.jupiter.api.Test;

class HelloServiceTest {

    /** What a client does: one visit, which must be counted. */
    static String visit(Personality p, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(p.addresses().get(0), port), 1000);
            s.setSoTimeout(2000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!answer.startsWith(HelloService.NAME + ": personality " + p.name() + " on ") || !answer.contains(", visit ")) {
                throw new IOException("personality " + p.name() + " answered '" + answer + "'");
            }
            return answer;
        }
    }

    @Test
    void keepsTheLifecycleContract() {
        int port = ContractKit.freePort();
        ContractKit.forModule(HelloService.NAME,
                        kit -> new HelloService(port, kit.readiness(), kit.volumes(), Logs.named(HelloService.PID).logger()))
                .client(p -> visit(p, port))
                .run()
                .assertNoViolations();
    }
}
