package org.hasm.itests.modules;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/**
 * A module whose behaviour a test picks: pass every call, throw in some calls, or block in some
 * calls past their deadline (opMode possibly only in one system configuration). It records the calls it received, in its own words, so a test can
 * compare them with the controller's journal.
 *
 * <p>Built into test bundles at test time; it only uses the SPI and the JDK, so the test probe
 * (which has its own copy of this class) talks to it through JDK types only.
 */
public final class TestModule implements HaModule {

    /** A blocked call waits at most this long even if the test never releases it. */
    static final long MAX_BLOCK_MS = 60_000;

    private final String name;
    private final Set<Call> failIn;
    private final Set<Call> blockIn;
    /** Blocks in opMode only when given this system configuration; {@code null}: in every opMode. */
    private final SysConfig blockWhen;
    private final CountDownLatch release = new CountDownLatch(1);
    /** Guarded by itself: the controller calls from its threads, the test reads from its own. */
    private final List<String> calls = new ArrayList<>();
    private volatile boolean blocked;
    private volatile HaContext context;
    private final Consumer<String> recorder;
    /** How many of its calls in {@code failIn} fail (then they pass); negative: all of them. */
    private final AtomicInteger failures;
    /** After these opMode calls return, a worker thread of the module panics and dies; {@code 0}: never. */
    private final AtomicInteger panics;

    TestModule(String name, Set<Call> failIn, Set<Call> blockIn, SysConfig blockWhen, Consumer<String> recorder) {
        this(name, failIn, blockIn, blockWhen, recorder, -1, 0);
    }

    /**
     * @param failTimes how many calls in {@code failIn} fail before they pass; negative: every one
     * @param panicTimes how many opMode calls start a worker thread that calls {@link HaContext#panic} and dies
     */
    TestModule(String name, Set<Call> failIn, Set<Call> blockIn, SysConfig blockWhen, Consumer<String> recorder,
            int failTimes, int panicTimes) {
        this.name = name;
        this.recorder = recorder;
        this.failIn = failIn;
        this.blockIn = blockIn;
        this.blockWhen = blockWhen;
        this.failures = new AtomicInteger(failTimes);
        this.panics = new AtomicInteger(panicTimes);
    }

    @Override
    public void init(HaContext context) throws HaException {
        this.context = context;
        enter(Call.INIT, "INIT");
    }

    @Override
    public void test() throws HaException {
        enter(Call.TEST, "TEST");
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) throws HaException {
        enter(Call.OPMODE, "OPMODE " + mode + " " + config, blockWhen == null || blockWhen == config);
        if (panics.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            HaContext c = context;
            // the module's own worker dies: a fault the module finds after its call returned
            Thread worker = new Thread(() -> c.panic(name + ": its worker thread died (test module)"),
                    "test-module-" + name + "-worker");
            worker.setDaemon(true);
            worker.start();
        }
    }

    @Override
    public void stop() throws HaException {
        enter(Call.STOP, "STOP");
    }

    @Override
    public void shutDown() throws HaException {
        enter(Call.SHUTDOWN, "SHUTDOWN");
    }

    List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    boolean blocked() {
        return blocked;
    }

    /** @return the deadline of {@code call} its context tells, in ms; -1 before its first init */
    long deadline(Call call) {
        HaContext c = context;
        return c == null ? -1 : c.deadline(call).toMillis();
    }

    /** Blocks the caller until {@link #release()}, at most {@value #MAX_BLOCK_MS} ms (an event handler's delivery). */
    void blockOnce() {
        try {
            release.await(MAX_BLOCK_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets every blocked call (now and later) return. */
    void release() {
        release.countDown();
    }

    private void enter(Call call, String record) throws HaException {
        enter(call, record, true);
    }

    private void enter(Call call, String record, boolean mayBlock) throws HaException {
        synchronized (calls) {
            calls.add(record);
        }
        recorder.accept(name + ":" + record);
        if (mayBlock && blockIn.contains(call)) {
            blocked = true;
            try {
                // bounded: the test releases it at the end; the bound only guards a forgotten release
                release.await(MAX_BLOCK_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                blocked = false;
            }
        }
        if (failIn.contains(call) && failures.getAndUpdate(n -> n > 0 ? n - 1 : n) != 0) {
            throw new HaException(name + ": " + call + " failed on purpose (test module)");
        }
    }
}
