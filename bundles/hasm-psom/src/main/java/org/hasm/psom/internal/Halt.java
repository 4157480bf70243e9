package org.hasm.psom.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test hook of the cluster tests that kill an SCM at each step of a write: the process halts itself
 * (as {@code kill -9} would: no shutdown hook, nothing flushed) when it reaches the step named by the
 * system property {@value #STEP}, {@code STEP} or {@code STEP#N} for the N-th time it is reached.
 * Inert unless the system property {@value #ENABLED} is {@code true}, which only a test sets on the
 * command line of the SCM it starts.
 */
final class Halt {
    static final String ENABLED = "hasm.psom.test.hooks";
    static final String STEP = "hasm.psom.test.halt-at";
    /** Exit status of a halted SCM, so that a test tells it from a crash. */
    static final int STATUS = 86;

    private static final String AT;
    private static final int NTH;
    private static final AtomicInteger REACHED = new AtomicInteger();

    static {
        String spec = Boolean.getBoolean(ENABLED) ? System.getProperty(STEP) : null;
        int hash = spec == null ? -1 : spec.indexOf('#');
        AT = hash < 0 ? spec : spec.substring(0, hash);
        NTH = hash < 0 ? 1 : Integer.parseInt(spec.substring(hash + 1));
    }

    private Halt() {
    }

    /** Halts the JVM here if the test asked for this step (and this is the time it asked for). */
    static void at(String step) {
        if (AT != null && AT.equals(step) && REACHED.incrementAndGet() == NTH) {
            System.err.println("hasm-psom test hook: halting at " + step + "#" + NTH);
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
    }
}
