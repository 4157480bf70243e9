package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What TCP tickles save an idle SMB client: the namespaces of {@link TickleBench} ({@code linux}
 * mode; scm-b tickles, scm-a is restarted with tickles off before it takes a personality over), with
 * smbclient (SMB3) on the client machine holding an open session to a personality's share. The SCM
 * serving it crashes (switch ports down, JVM and smbd killed) and the client's next operation, a
 * listing, goes out at that instant on its old session. Without a reset its request is retransmitted
 * with TCP's back-off until one retransmission reaches the peer after the takeover; with tickles the
 * peer resets the connection as soon as the address is up. On a failed session the client connects
 * again (a new smbclient: it does not reconnect by itself) and lists. The figure, per variant: from
 * the crash to the listing, median of {@code -Dtickle.runs} (3) crashes: {@code smb.tickle.next_op.with}
 * and {@code smb.tickle.next_op.without}. Figures only, nothing asserted.
 */
class SmbTickleBench {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String LISTED = "blocks of size";

    @Test
    void idleSmbSessionsNextOperationAfterATakeoverWithAndWithoutTickles(@TempDir Path work) throws Exception {
        TickleLab.requireTools("SmbTickleBench");
        Smb.require();
        int runs = Integer.getInteger("tickle.runs", 3);
        List<Long> with = new ArrayList<>();
        List<Long> without = new ArrayList<>();
        try (NetnsLab lab = NetnsLab.create(); Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            TickleLab t = TickleLab.inDac(lab, pair);
            for (int run = 0; run < runs; run++) {
                with.add(nextOperation(t, pair, A));
                t.tickles(A, run < runs - 1);
                t.restartAndFailBack(A);
            }
            for (int run = 0; run < runs; run++) {
                without.add(nextOperation(t, pair, B));
                t.restartAndFailBack(B);
            }
        }
        System.out.println("# SMB session's next operation after a crash, ms: with tickles " + with + ", without "
                + without);
        print("smb.tickle.next_op.with", median(with));
        print("smb.tickle.next_op.without", median(without));
    }

    /** @return ms from the crash of {@code personality}'s SCM to the listing of the client's next try */
    private static long nextOperation(TickleLab t, Pair pair, Scm personality) throws Exception {
        // after a failback the address is up a little before the personality's smbd listens
        long ready = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Session session = Session.open(t, pair, personality);
        try {
            while (!session.list(Duration.ofSeconds(10))) {
                if (System.nanoTime() - ready > 0) {
                    throw new AssertionError("the client cannot list " + TickleLab.address(personality) + "'s share: "
                            + session.said + pair.diagnostics());
                }
                session.close();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                session = Session.open(t, pair, personality);
            }
            t.awaitListed(personality, Smb.port(pair));
            long crash = System.nanoTime();
            t.cut(personality);
            long deadline = crash + LIMIT.toNanos();
            while (!session.list(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("no listing within " + LIMIT.toMillis() + " ms of the crash: "
                            + session.said);
                }
                session.close();
                session = Session.open(t, pair, personality);
            }
            long listed = session.lastLine;
            t.awaitTakeover(personality);
            return TimeUnit.NANOSECONDS.toMillis(listed - crash);
        } finally {
            session.close();
        }
    }

    /** An interactive smbclient on the client machine; each line it prints kept with its instant. */
    private static final class Session {
        private final Process process;
        private final OutputStream commands;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder said = new StringBuilder();
        private volatile long lastLine;

        private Session(Process process) {
            this.process = process;
            this.commands = process.getOutputStream();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lastLine = System.nanoTime();
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process was killed: its output ends here
                }
                lines.add("(ended)");
            }, "smb-tickle-client-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Session open(TickleLab t, Pair pair, Scm personality) throws IOException {
            List<String> cmd = new ArrayList<>(t.onClient());
            // smbclient's output to a pipe is buffered to its end unless stdio is told otherwise
            cmd.addAll(List.of("stdbuf", "-oL", "-eL", "smbclient", "//" + TickleLab.address(personality) + "/files", "-p",
                    Integer.toString(Smb.port(pair)), "-m", "SMB3", "-t", "60", "-A", Smb.auth(pair).toString()));
            return new Session(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        /** Lists the share's root: {@code true} once listed, {@code false} on an error or the end of the client. */
        boolean list(Duration timeout) throws IOException, InterruptedException {
            commands.write("ls\n".getBytes(StandardCharsets.US_ASCII));
            commands.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) {
                    return false;
                }
                said.append(l).append('\n');
                if (l.contains(LISTED)) {
                    return true;
                }
                if (l.contains("NT_STATUS_") || l.equals("(ended)")) {
                    return false;
                }
            }
        }

        void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
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
