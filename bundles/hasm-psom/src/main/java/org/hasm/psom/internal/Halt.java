package org.hasm.psom.internal;

/**
 * Test hook of the cluster tests that kill an SCM at each step of a write: the process halts itself
 * (as {@code kill -9} would, no shutdown hook) when it reaches the step named by the system property
 * {@value #STEP}. Inert unless the system property {@value #ENABLED} is {@code true}, which only a test
 * sets on the command line of the SCM it starts.
 */
final class Halt {
    static final String ENABLED = "hasm.psom.test.hooks";
    static final String STEP = "hasm.psom.test.halt-at";
    /** Exit status of a halted SCM, so that a test tells it from a crash. */
    static final int STATUS = 86;

    private static final String AT = Boolean.getBoolean(ENABLED) ? System.getProperty(STEP) : null;

    private Halt() {
    }

    /** Halts the JVM here if the test asked for this step. */
    static void at(String step) {
        if (AT != null && AT.equals(step)) {
            System.err.println("hasm-psom test hook: halting at " + step);
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
    }
}
