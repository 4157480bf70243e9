package org.hasm.itests.bench.psom;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedLock;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjects;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A bundle's activator that measures PSOM from inside an SCM, through the SPI as any service would
 * use it: once PSOM takes writes, {@value #COUNT_HEADER} times lock, write ({@value #SIZE_HEADER}
 * bytes) and unlock one persistent object, and writes each cycle's nanoseconds, one a line, to the
 * file named by {@value #OUT_HEADER} (written whole, then renamed: the benchmark waits for it). Its
 * one thread is a daemon named {@code hasm-psom-bench}, interrupted and joined when the bundle stops.
 */
public final class PsomDriver implements BundleActivator {
    public static final String OUT_HEADER = "Hasm-Bench-Out";
    public static final String COUNT_HEADER = "Hasm-Bench-Count";
    public static final String SIZE_HEADER = "Hasm-Bench-Size";
    public static final String WARMUP_HEADER = "Hasm-Bench-Warmup";
    private static final long READY_MS = 60_000;

    private Thread thread;

    @Override
    public void start(BundleContext context) {
        Path out = Path.of(context.getBundle().getHeaders().get(OUT_HEADER));
        int count = Integer.parseInt(context.getBundle().getHeaders().get(COUNT_HEADER));
        int size = Integer.parseInt(context.getBundle().getHeaders().get(SIZE_HEADER));
        int warmup = Integer.parseInt(context.getBundle().getHeaders().get(WARMUP_HEADER));
        ServiceTracker<SharedObjects, SharedObjects> tracker = new ServiceTracker<>(context, SharedObjects.class, null);
        tracker.open();
        thread = new Thread(() -> {
            try {
                run(tracker, out, warmup, count, size);
            } catch (Exception e) {
                try {
                    Files.writeString(out.resolveSibling(out.getFileName() + ".failed"), String.valueOf(e));
                } catch (IOException x) {
                    // nothing left to tell it with
                }
            } finally {
                tracker.close();
            }
        }, "hasm-psom-bench");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop(BundleContext context) throws InterruptedException {
        thread.interrupt();
        thread.join(5000);
    }

    private static void run(ServiceTracker<SharedObjects, SharedObjects> tracker, Path out, int warmup, int count,
            int size)
            throws Exception {
        SharedObjects so = tracker.waitForService(READY_MS);
        if (so == null) {
            throw new IllegalStateException("no SharedObjects service within " + READY_MS + " ms");
        }
        String name = "bench/psom/object";
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MS);
        while (true) {
            try {
                so.create(name, Persistence.PERSISTENT);
                break;
            } catch (SharedObjectException e) {
                if (e.reason() != SharedObjectException.Reason.UNAVAILABLE || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // PSOM not told its role yet
            }
        }
        byte[] value = new byte[size];
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < warmup + count && !Thread.currentThread().isInterrupted(); i++) {
            value[i % size] = (byte) i;
            long start = System.nanoTime();
            SharedLock lock = so.lock(name, Duration.ofSeconds(5));
            try {
                so.write(lock, value);
            } finally {
                so.unlock(lock);
            }
            long took = System.nanoTime() - start;
            if (i >= warmup) {
                lines.append(took).append('\n');
            }
        }
        Path temp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.writeString(temp, lines, StandardCharsets.US_ASCII);
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE);
    }
}
