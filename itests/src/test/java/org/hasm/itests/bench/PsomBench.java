package org.hasm.itests.bench;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.hasm.itests.bench.psom.PsomDriver;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.support.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ops4j.pax.tinybundles.InnerClassStrategy;
import org.ops4j.pax.tinybundles.TinyBundles;
import org.osgi.framework.Constants;

/**
 * PSOM's replicated write (lock + write + unlock of a small persistent object on the MASTER, durable
 * on both SCMs before it returns) against ZooKeeper's setData of the same size on a standalone server
 * (one node, its transaction log forced to disk), on the same machine and disk. PSOM is measured from
 * inside scm-a by a bundle dropped into its deploy folder ({@link PsomDriver}); ZooKeeper by a client
 * in this JVM against a server this JVM starts. Figures: {@code psom.write.p50/p99} and
 * {@code zookeeper.setData.p50/p99} in microseconds, each one's throughput (one writer, one after
 * another) in operations per second, and {@code disk.forcedWrite.*}, one forced write in place on the
 * same disk: the floor under both. Target: PSOM p99 at most 2 ms on loopback.
 *
 * <p>Each is measured after {@code -Dhasm.bench.psom.warmup=N} operations not counted (10,000), over
 * {@code -Dhasm.bench.psom.count=N} (5,000): a service that uses shared objects writes them all day, and
 * after a few hundred writes the path still runs in code the JVM has not compiled with its optimising
 * compiler, whose work then competes for the two cores (with 200, both PSOM's and ZooKeeper's p99 were
 * some 4 ms). Where in the run the slowest 1% fell is printed as a comment line.
 * {@code -Dhasm.bench.psom.timing=test|patent|demo} picks the pair's status interval (100 ms by
 * default, 1 s, 50 ms): each interval's status messages and storage heartbeat (a forced write on the
 * same disk) share the two cores and the disk with the writes measured.
 */
class PsomBench {
    private static final int COUNT = Integer.getInteger("hasm.bench.psom.count", 5000);
    private static final int WARMUP = Integer.getInteger("hasm.bench.psom.warmup", 10_000);
    private static final int SIZE = 128;

    @Test
    void psomReplicatedWrite(@TempDir Path work) throws Exception {
        Files.createDirectories(work);
        Pair.Timing timing = switch (System.getProperty("hasm.bench.psom.timing", "test")) {
            case "patent" -> Pair.Timing.PATENT;
            case "demo" -> Pair.Timing.DEMO;
            default -> Pair.Timing.TEST;
        };
        try (Pair pair = Pair.create(work, timing.startedTogether())) {
            pair.start(Scm.A);
            pair.start(Scm.B);
            pair.awaitState(Scm.A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(Scm.B, "DAC", "SLAVE", Pair.BOOT);
            Path out = work.resolve("psom-latencies.txt");
            Path jar = work.resolve("hasm.bench.psom.jar");
            try (InputStream in = TinyBundles.bundle()
                    .symbolicName("hasm.bench.psom")
                    .setHeader(Constants.BUNDLE_VERSION, "1.0.0")
                    .setHeader(PsomDriver.OUT_HEADER, out.toString())
                    .setHeader(PsomDriver.COUNT_HEADER, Integer.toString(COUNT))
                    .setHeader(PsomDriver.SIZE_HEADER, Integer.toString(SIZE))
                    .setHeader(PsomDriver.WARMUP_HEADER, Integer.toString(WARMUP))
                    .setHeader("Private-Package", PsomDriver.class.getPackageName())
                    .addClass(PsomDriver.class, InnerClassStrategy.ALL)
                    .activator(PsomDriver.class)
                    .build(TinyBundles.bndBuilder())) {
                Files.copy(in, jar);
            }
            long started = System.nanoTime();
            Files.copy(jar, pair.node(Scm.A).resolve("deploy").resolve(jar.getFileName()));
            Path failed = out.resolveSibling(out.getFileName() + ".failed");
            Await.until("the PSOM driver's latencies in " + out, java.time.Duration.ofMinutes(3),
                    () -> Files.exists(out) || Files.exists(failed), pair::diagnostics);
            if (Files.exists(failed)) {
                throw new AssertionError("the PSOM driver failed: " + Files.readString(failed) + pair.diagnostics());
            }
            List<Long> nanos = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.US_ASCII)) {
                nanos.add(Long.parseLong(line.trim()));
            }
            report("psom.write", nanos);
            System.out.println("# psom: " + nanos.size() + " lock+write+unlock of " + SIZE + " bytes on the MASTER,"
                    + " replicated to the SLAVE; driver installed and done in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        }
    }

    @Test
    void zookeeperSetData(@TempDir Path work) throws Exception {
        Path snaps = Files.createDirectories(work.resolve("snap"));
        Path logs = Files.createDirectories(work.resolve("log"));
        ZooKeeperServer server = new ZooKeeperServer(snaps.toFile(), logs.toFile(), 2000);
        ServerCnxnFactory factory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", 0), 16);
        factory.startup(server);
        ZooKeeper zk = null;
        try {
            CountDownLatch connected = new CountDownLatch(1);
            zk = new ZooKeeper("127.0.0.1:" + factory.getLocalPort(), 10_000, e -> {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            });
            if (!connected.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("ZooKeeper client not connected within 30 s");
            }
            byte[] value = new byte[SIZE];
            zk.create("/bench", value, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            List<Long> nanos = new ArrayList<>();
            for (int i = 0; i < WARMUP + COUNT; i++) {
                value[i % SIZE] = (byte) i;
                long start = System.nanoTime();
                zk.setData("/bench", value, -1);
                long took = System.nanoTime() - start;
                if (i >= WARMUP) {
                    nanos.add(took);
                }
            }
            report("zookeeper.setData", nanos);
            System.out.println("# zookeeper " + org.apache.zookeeper.Version.getFullVersion() + ": " + nanos.size()
                    + " setData of " + SIZE + " bytes, standalone server (no replica), forceSync on");
        } finally {
            if (zk != null) {
                zk.close();
            }
            factory.shutdown();
            server.shutdown();
        }
    }

    /**
     * The disk's own floor: the same number of {@value #SIZE}-byte writes in place, each forced
     * ({@code fdatasync}), in the folder the pair's data lives in. A replicated PSOM write forces on
     * both SCMs and ZooKeeper forces its log once per setData, so neither's p99 can be below this one's.
     */
    @Test
    void forcedWriteOfTheDisk(@TempDir Path work) throws Exception {
        Path file = work.resolve("force.bin");
        ByteBuffer value = ByteBuffer.allocate(SIZE);
        List<Long> nanos = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < WARMUP + COUNT; i++) {
                value.clear();
                value.put(i % SIZE, (byte) i);
                long start = System.nanoTime();
                ch.write(value, 0);
                ch.force(false);
                long took = System.nanoTime() - start;
                if (i >= WARMUP) {
                    nanos.add(took);
                }
            }
        }
        report("disk.forcedWrite", nanos);
    }

    private static void report(String bench, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        sorted.sort(null);
        long total = nanos.stream().mapToLong(Long::longValue).sum();
        long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
        BenchReport.print(bench + ".p50", sorted.get(sorted.size() / 2) / 1000.0, "us");
        BenchReport.print(bench + ".p99", p99 / 1000.0, "us");
        BenchReport.print(bench + ".throughput", nanos.size() / (total / 1e9), "ops/s");
        // where in the run the slowest 1% fell, by tenths: at the start (a path still being compiled) or all along
        int[] tenths = new int[10];
        for (int i = 0; i < nanos.size(); i++) {
            if (nanos.get(i) >= p99) {
                tenths[i * 10 / nanos.size()]++;
            }
        }
        System.out.println("# " + bench + ": the slowest 1% by tenth of the run " + java.util.Arrays.toString(tenths)
                + ", max " + sorted.get(sorted.size() - 1) / 1000 + " us");
    }

}
