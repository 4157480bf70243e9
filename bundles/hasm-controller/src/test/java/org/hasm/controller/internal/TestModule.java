package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;

/** A real module for the tests: records what it is called with, and fails or blocks on request. */
class TestModule implements HaModule {
    final String name;
    final List<String> calls = new ArrayList<>();
    volatile Call failOn;
    volatile Call blockOn;
    final CountDownLatch release = new CountDownLatch(1);
    volatile HaContext context;

    TestModule(String name) {
        this.name = name;
    }

    TestModule failOn(Call call) {
        failOn = call;
        return this;
    }

    TestModule blockOn(Call call) {
        blockOn = call;
        return this;
    }

    private void called(Call call, String what) throws HaException {
        synchronized (calls) {
            calls.add(what);
        }
        if (call == blockOn) {
            try {
                // bounded: the test releases it at the end, at worst it gives up after 30 s
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (call == failOn) {
            throw new HaException(name + " refuses " + call);
        }
    }

    List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    @Override
    public void init(HaContext ctx) throws HaException {
        this.context = ctx;
        called(Call.INIT, "INIT");
    }

    @Override
    public void test() throws HaException {
        called(Call.TEST, "TEST");
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) throws HaException {
        called(Call.OPMODE, "OPMODE(" + mode + ", " + config + ")");
    }

    @Override
    public void stop() throws HaException {
        called(Call.STOP, "STOP");
    }

    @Override
    public void shutDown() throws HaException {
        called(Call.SHUTDOWN, "SHUTDOWN");
    }
}
