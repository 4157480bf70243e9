package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What TCP tickles save an idle client: the pair of {@link TickleIT} (linux mode in namespaces;
 * scm-b tickles; scm-a is restarted with tickles off before it takes a personality over). A client holds an idle keep-alive connection to a
 * personality's address; the SCM serving it crashes (switch ports down, JVM killed) and the client's
 * next operation, a GET, goes out at that instant on its old connection. Without a reset it
 * retransmits with TCP's back-off until one retransmission reaches the peer after the takeover; with
 * tickles the peer resets it as soon as the address is up. On a failed connection the client
 * reconnects and asks again. The figure, per variant: from the crash to the response, median of
 * {@code -Dtickle.runs} (3) crashes: {@code tickle.next_op.with} (A crashes, scm-b tickles) and
 * {@code tickle.next_op.without} (B crashes, scm-a does not). Figures only, nothing asserted.
 */
class TickleBench {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void idleClientsNextOperationAfterATakeoverWithAndWithoutTickles(@TempDir Path work) throws Exception {
        TickleLab.requireTools("TickleBench");
        int runs = Integer.getInteger("tickle.runs", 3);
        List<Long> with = new ArrayList<>();
        List<Long> without = new ArrayList<>();
        try (NetnsLab lab = NetnsLab.create(); Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            TickleLab t = TickleLab.inDac(lab, pair);
            // scm-a crashes, scm-b tickles A's client from scm-a's list; the last time scm-a comes back
            // with tickles off
            for (int run = 0; run < runs; run++) {
                with.add(nextOperation(t, A));
                t.tickles(A, run < runs - 1);
                t.restartAndFailBack(A);
            }
            // scm-b crashes, scm-a sends nothing (scm-b's list names the client)
            for (int run = 0; run < runs; run++) {
                without.add(nextOperation(t, B));
                t.restartAndFailBack(B);
            }
        }
        System.out.println("# next operation after a crash, ms: with tickles " + with + ", without " + without);
        print("tickle.next_op.with", median(with));
        print("tickle.next_op.without", median(without));
    }

    /** @return ms from the crash of {@code personality}'s SCM to the response to the client's next GET */
    private static long nextOperation(TickleLab t, Scm personality) throws Exception {
        try (ClientProcess client = t.client(personality)) {
            t.connectAndWait(client, personality);
            long crash = System.nanoTime();
            t.cut(personality);
            client.command("get");
            long deadline = crash + LIMIT.toNanos();
            while (System.nanoTime() - deadline < 0) {
                ClientProcess.Line l = client.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (l == null) {
                    break;
                }
                if (l.text().equals("response 200")) {
                    t.awaitTakeover(personality);
                    return TickleIT.ms(l.nanos() - crash);
                }
                if (l.text().startsWith("ended") || l.text().startsWith("send failed")
                        || l.text().startsWith("connect failed")) {
                    client.command("connect");
                } else if (l.text().equals("connected")) {
                    client.command("get");
                }
            }
            throw new AssertionError("no response within " + LIMIT.toMillis() + " ms of the crash: " + client.said());
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static void print(String bench, long value) {
        System.out.println(String.format(Locale.ROOT, "{\"bench\":\"%s\",\"value\":%d,\"unit\":\"ms\"}", bench, value));
    }
}
