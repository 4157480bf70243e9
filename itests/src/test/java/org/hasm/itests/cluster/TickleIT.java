package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Exclusive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * TCP tickles on a pair in {@code linux} mode ({@link TickleLab}: each SCM, and a client, in a
 * namespace of its own). A client holds an idle HTTP keep-alive connection to a personality's
 * address and waits in {@code read()}, as a client waiting for its server does (an SMB client for a
 * lease break, an NFS client for a callback, an HTTP long poll). Its SCM crashes: its switch ports
 * go down (a dead machine sends nothing: no FIN of its kernel reaches the client) and its JVM is
 * killed. The peer takes the personality over.
 *
 * <p>With tickles (scm-b takes A over): the peer reads the dead SCM's connection list from the
 * shared storage and tickles the client, whose connection is reset within {@link #BOUND} of the
 * takeover. Without (scm-a, restarted with {@code tickle.enabled=false}, takes B over): the client still
 * waits after that bound, and would wait forever, since nothing is sent to it; its next request then
 * finds the connection gone.
 */
@ResourceLock(Exclusive.NAMESPACES)
class TickleIT {
    /** How long after the takeover the client must have learned (with tickles) or not (without). */
    static final Duration BOUND = Duration.ofSeconds(3);
    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void aWaitingClientIsResetRightAfterTheTakeoverWithTicklesAndNeverWithout(@TempDir Path work) throws Exception {
        TickleLab.requireTools("TickleIT");
        try (NetnsLab lab = NetnsLab.create(); Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            TickleLab t = TickleLab.inDac(lab, pair);
            assertTrue(pair.log(B).contains("TCP tickles on"), "scm-b says tickles are on\n" + pair.log(B));

            // with tickles: scm-a crashes, scm-b takes A over and tickles the client
            try (ClientProcess client = t.client(A)) {
                t.connectAndWait(client, A);
                long takeover = t.crash(A);
                // the reset may come before the test sees the takeover complete (it polls): then "after" is negative
                ClientProcess.Line ended = client.expect("ended", STEP);
                assertEquals("ended reset", ended.text(), client.said());
                long after = ms(ended.nanos() - takeover);
                assertTrue(after < BOUND.toMillis(), "reset " + after + " ms after the takeover");
                String tickled = TickleLab.ADDRESS_A + " is up: tickling 1 client connection from the list of scm-a";
                assertTrue(pair.log(B).contains(tickled), "scm-b's log: " + tickled + "\n" + pair.log(B));
                // not before the service listens: a client reset earlier would reconnect and be refused
                // logged once the tickles went: awaited, as the client may see its reset before the line is written
                Supplier<String> listened = () -> pair.log(B).lines().filter(l -> l.contains(
                        TickleLab.ADDRESS_A + ": port ") && l.contains(" ms after the address came up: 1 client connection"
                        + " tickled")).findFirst().orElse(null);
                Await.until("scm-b to say it tickled once the service port listened", STEP,
                        () -> listened.get() != null, () -> pair.log(B));
                String listening = listened.get();
                report("with tickles: the waiting client of " + TickleLab.ADDRESS_A + " was reset " + after
                        + " ms after scm-b took A over; " + listening.substring(listening.indexOf(TickleLab.ADDRESS_A)));
                client.command("connect");
                client.expect("connected", STEP);
                client.command("get");
                client.expect("sent", STEP);
                client.expect("response 200", STEP);
            }

            // scm-a comes back with tickles off: it lists nothing and tickles nobody
            t.tickles(A, false);
            t.restartAndFailBack(A);
            assertTrue(pair.log(A).contains("TCP tickles off (tickle.enabled=false)"), "scm-a says tickles are off");

            // without tickles: scm-b crashes, scm-a takes B over and sends nothing to the client
            try (ClientProcess client = t.client(B)) {
                t.connectAndWait(client, B);
                long takeover = t.crash(B);
                long quiet = BOUND.toMillis() - ms(System.nanoTime() - takeover);
                ClientProcess.Line l = client.next(Duration.ofMillis(Math.max(quiet, 0)));
                assertNull(l, "without tickles the waiting client hears nothing within " + BOUND.toMillis()
                        + " ms of the takeover; it said " + client.said());
                assertFalse(pair.log(A).contains("is up: tickling"), "scm-a tickled nobody");
                // its next request finds the connection gone: scm-a resets it at once
                long sent = System.nanoTime();
                client.command("get");
                // the reset may end the connection while the request is written (no "sent") or after it
                ClientProcess.Line first = client.next(STEP);
                ClientProcess.Line ended = first != null && first.text().equals("sent") ? client.expect("ended", STEP)
                        : first;
                assertEquals("ended reset", ended == null ? null : ended.text(), client.said());
                report("without tickles: the waiting client of " + TickleLab.ADDRESS_B + " heard nothing for "
                        + ms(ended.nanos() - takeover) + " ms after scm-a took B over, until its own next request"
                        + " was reset " + ms(ended.nanos() - sent) + " ms after it was sent");
            }
        }
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void report(String line) {
        System.out.println("# " + line);
    }
}
