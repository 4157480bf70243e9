package org.hasm.itests.support;

/**
 * Names of what integration tests running in parallel must not use at the same time, for JUnit's
 * {@code @ResourceLock}. The integration tests run two classes at once in one JVM (itests/pom.xml);
 * a class that holds one of these runs beside any class that does not.
 */
public final class Exclusive {

    /**
     * Network and mount namespaces and nftables tables: tests that make them, and run SCMs inside them
     * or behind them. Each names its own, but they change the host's network and mount tables while
     * they run, and a namespace test's takeover timing is what it asserts: one at a time.
     */
    public static final String NAMESPACES = "org.hasm.itests.namespaces";

    /**
     * The machine's CPU, taken on purpose: a flood of datagrams, a fuzzer's hundred thousand
     * connections, a starved SCM, a conformance suite. Two of them at once would leave the pairs of
     * both (and of the class beside them) with less than the tuned failure detection allows for.
     */
    public static final String CPU_LOAD = "org.hasm.itests.cpu-load";

    private Exclusive() {
    }
}
