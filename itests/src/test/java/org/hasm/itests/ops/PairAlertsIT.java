package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.hasm.itests.ops.NodeCtl.ctl;
import static org.hasm.itests.ops.NodeCtl.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notify hooks on a real pair: scm-a tells a script and a webhook (a server of the test's on loopback)
 * of its transitions. After kill -9 of scm-b both hear that the peer is dead and that scm-a serves
 * both personalities, the webhook with the configured bearer token; {@code hasmctl alerts} counts what
 * each received and {@code --test} reaches both; a script that is not executable is refused by
 * {@code hasm check}, naming the key.
 */
class PairAlertsIT {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Test
    void aScriptAndAWebhookHearOfTheTakeover(@TempDir Path work) throws Exception {
        Path log = work.resolve("alerts.log");
        Path script = work.resolve("alert.sh");
        Files.writeString(script, "#!/bin/sh\n{ echo \"--- $HASM_ALERT_SEQUENCE $HASM_ALERT_KIND $HASM_ALERT_TOPIC\";"
                + " echo \"desc=$HASM_ALERT_DESC\"; cat; echo; } >> '" + log + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path token = work.resolve("alert.token");
        Files.writeString(token, "t0ken-of-the-test\n");
        List<String> posted = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            posted.add(exchange.getRequestHeaders().getFirst("Authorization") + " " + body);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.writeConfig(A, "org.hasm.alerts.cfg", "alert.scripts = " + script + "\n"
                    + "alert.webhooks = http://127.0.0.1:" + hook.getAddress().getPort() + "/hook\n"
                    + "alert.webhook.token.file = " + token + "\n");
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", STEP);
            Await.until("the script hears scm-a is in DAC", STEP, () -> read(log).contains("desc=scm-a: DAC"),
                    () -> read(log));

            pair.kill(B);
            pair.awaitState(A, "DEGRADED", "MASTER", STEP);
            Await.until("the script hears the peer is dead and the takeover", STEP,
                    () -> read(log).contains(" peer org/hasm/status/PEER") && read(log).contains("desc=scm-a: DEGRADED"),
                    () -> read(log));
            String text = read(log);
            assertTrue(text.contains("\"kind\":\"peer\""), "the JSON on stdin: " + text);
            Await.until("the webhook hears the takeover", STEP, () -> posted.stream().anyMatch(p -> p.contains("DEGRADED")),
                    () -> posted);
            String degraded = posted.stream().filter(p -> p.contains("DEGRADED")).findFirst().orElseThrow();
            assertTrue(degraded.startsWith("Bearer t0ken-of-the-test {"), degraded);
            assertTrue(degraded.contains("\"scm\":\"scm-a\""), degraded);

            Path nodeA = pair.node(A);
            Cli shown = ctl(nodeA, "alerts");
            assertEquals(0, shown.code(), shown.toString());
            assertTrue(shown.stdout().contains(script.toString()) && shown.stdout().contains("webhook"), shown.stdout());
            assertTrue(!shown.stdout().contains("t0ken"), "the token is never shown");
            Cli test = ctl(nodeA, "alerts", "--test", "--text", "drill of the test");
            assertEquals(0, test.code(), test.toString());
            assertTrue(test.stdout().contains("TEST SENT TO"), test.stdout());
            Await.until("the script got the test alert", STEP, () -> read(log).contains("drill of the test"), () -> read(log));
            assertTrue(posted.stream().anyMatch(p -> p.contains("drill of the test")), posted.toString());
            assertTrue(read(log).contains("--- 0 test "), "a test alert has sequence 0: " + read(log));

            // a script that cannot run is refused by the check, naming the key
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
            pair.writeConfig(B, "org.hasm.alerts.cfg", "alert.scripts = " + script + "\n");
            Cli check = Cli.run(Duration.ofSeconds(120), ScmProcess.distribution().resolve("bin/hasm").toString(), "check",
                    pair.node(B).toString());
            assertNotEquals(0, check.code(), check.toString());
            assertTrue((check.stdout() + check.stderr()).contains("alert.scripts"), check.toString());
        } finally {
            hook.stop(0);
        }
    }

}
