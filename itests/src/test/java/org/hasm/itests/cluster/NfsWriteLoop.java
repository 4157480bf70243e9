package org.hasm.itests.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hasm.nas.nfs.internal.NfsClient;

/**
 * An NFS client that writes files in a loop through one address, as an application would while the
 * SCM behind it crashes: each file alternately written FILE_SYNC, or UNSTABLE and then COMMITted. A
 * write counts as acknowledged only when the server said FILE_SYNC, or when the COMMIT's verifier
 * equals the one the UNSTABLE write got; when it differs the client writes the data again and commits
 * again, as RFC 1813 tells it to. On any failure it reconnects (without a new MOUNT: it keeps the
 * folder's handle) and carries on with the same file. Bounded in files and time; one daemon thread.
 */
final class NfsWriteLoop implements AutoCloseable {

    /** A write the server acknowledged as durable: the file's name and content. */
    record Ack(String name, byte[] content) {
    }

    private final String address;
    private final int port;
    private final byte[] folder;
    private final String prefix;
    private final long deadline;
    private final AtomicBoolean stop = new AtomicBoolean();
    // Guarded by acks.
    private final List<Ack> acks = new ArrayList<>();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    // The latest failures, with when they happened, for a failure's reader (guarded by itself).
    private final java.util.ArrayDeque<String> failures = new java.util.ArrayDeque<>();
    private final Thread thread;

    private NfsWriteLoop(String address, int port, byte[] folder, String prefix, Duration limit) {
        this.address = address;
        this.port = port;
        this.folder = folder;
        this.prefix = prefix;
        this.deadline = System.nanoTime() + limit.toNanos();
        this.thread = new Thread(this::run, "hasm-test-nfs-writer");
        thread.setDaemon(true);
    }

    static NfsWriteLoop start(String address, int port, byte[] folder, String prefix, Duration limit) {
        NfsWriteLoop loop = new NfsWriteLoop(address, port, folder, prefix, limit);
        loop.thread.start();
        return loop;
    }

    private void run() {
        NfsClient c = null;
        for (int i = 0; i < 10_000 && !stop.get() && System.nanoTime() - deadline < 0; ) {
            try {
                if (c == null) {
                    c = new NfsClient(address, port);
                }
                if (write(c, i)) {
                    i++;
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // JUKEBOX: the volume is on its way
                }
            } catch (IOException e) {
                close(c);
                c = null;
                reconnects.incrementAndGet();
                synchronized (failures) {
                    if (failures.size() == 8) {
                        failures.removeFirst();
                    }
                    failures.addLast(java.time.LocalTime.now() + " file " + i + ": " + e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the address is on its way
            }
        }
        close(c);
    }

    /** @return whether file {@code i} is now acknowledged as durable */
    private boolean write(NfsClient c, int i) throws IOException {
        String name = prefix + i;
        byte[] content = new byte[1000 + i % 5000];
        new Random(i).nextBytes(content);
        byte[] fh = c.create(folder, name);
        if (i % 2 == 0) {
            NfsClient.Written w = c.write(fh, 0, content, NfsClient.FILE_SYNC);
            if (w.status() != NfsClient.OK) {
                refused(i, "FILE_SYNC WRITE", w.status());
                return false;
            }
            if (w.committed() != NfsClient.FILE_SYNC) {
                throw new IOException("FILE_SYNC write answered as " + w.committed());
            }
        } else {
            for (int attempt = 0; ; attempt++) {
                NfsClient.Written w = c.write(fh, 0, content, NfsClient.UNSTABLE);
                if (w.status() != NfsClient.OK) {
                    refused(i, "UNSTABLE WRITE", w.status());
                    return false;
                }
                byte[] committed = c.commit(fh);
                if (Arrays.equals(committed, w.verifier())) {
                    break;
                }
                resent.incrementAndGet();
                if (attempt > 10) {
                    throw new IOException("the verifier changed 10 times in a row");
                }
            }
        }
        synchronized (acks) {
            acks.add(new Ack(name, content));
        }
        return true;
    }

    /*
     * A WRITE answered with an error status (JUKEBOX while the volume is on its way): tried again, and
     * kept among the latest failures with how many came in a row, so that a run that stops advancing
     * says which answer held it.
     */
    private void refused(int i, String what, int status) {
        synchronized (failures) {
            String tail = "file " + i + ": " + what + " answered status " + status;
            String last = failures.peekLast();
            if (last != null && last.contains(tail)) {
                failures.removeLast();
                int times = last.endsWith(" times)")
                        ? Integer.parseInt(last.replaceAll(".*\\((\\d+) times\\)$", "$1")) : 1;
                failures.addLast(java.time.LocalTime.now() + " " + tail + " (" + (times + 1) + " times)");
                return;
            }
            if (failures.size() == 8) {
                failures.removeFirst();
            }
            failures.addLast(java.time.LocalTime.now() + " " + tail);
        }
    }

    private static void close(NfsClient c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // gone already
            }
        }
    }

    int ackCount() {
        synchronized (acks) {
            return acks.size();
        }
    }

    List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    String summary() {
        String latest;
        synchronized (failures) {
            latest = failures.isEmpty() ? "" : "; latest failures: " + String.join("; ", failures);
        }
        return ackCount() + " files acknowledged, " + reconnects.get() + " reconnections, " + resent.get()
                + " UNSTABLE writes resent after the verifier changed" + latest;
    }

    void stop() throws InterruptedException {
        stop.set(true);
        thread.join(30_000);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
