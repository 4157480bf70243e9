package org.hasm.itests.modules;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/**
 * A module whose behaviour a test picks: pass every call, throw in some calls, or block in some
 * calls past their deadline. It records the calls it received, in its own words, so a test can
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
    private final CountDownLatch release = new CountDownLatch(1);
    /** Guarded by itself: the controller calls from its threads, the test reads from its own. */
    private final List<String> calls = new ArrayList<>();
    private volatile boolean blocked;
    private final Consumer<String> recorder;

    TestModule(String name, Set<Call> failIn, Set<Call> blockIn, Consumer<String> recorder) {
        this.name = name;
        this.recorder = recorder;
        this.failIn = failIn;
        this.blockIn = blockIn;
    }

    @Override
    public void init(HaContext context) throws HaException {
        enter(Call.INIT, "INIT");
    }

    @Override
    public void test() throws HaException {
        enter(Call.TEST, "TEST");
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) throws HaException {
        enter(Call.OPMODE, "OPMODE " + mode + " " + config);
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

    /** Lets every blocked call (now and later) return. */
    void release() {
        release.countDown();
    }

    private void enter(Call call, String record) throws HaException {
        synchronized (calls) {
            calls.add(record);
        }
        recorder.accept(name + ":" + record);
        if (blockIn.contains(call)) {
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
        if (failIn.contains(call)) {
            throw new HaException(name + ": " + call + " failed on purpose (test module)");
        }
    }
}
