package org.hasm.storage.internal.fence;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM that looks like an SCM to the process fence agent when its arguments say so
 * ({@code org.hasm.launcher.Main run DIR}); with {@code --with-child} it starts a {@code sleep} of its
 * own, like an SCM that runs a file server. Ends by itself after a minute, so a test that dies
 * leaves nothing behind for long.
 */
public final class FakeScm {
    private FakeScm() {
    }

    public static void main(String[] args) throws Exception {
        Process child = null;
        if (java.util.List.of(args).contains("--with-child")) {
            child = new ProcessBuilder("sleep", "60").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        if (child != null) {
            child.destroyForcibly();
        }
    }
}
