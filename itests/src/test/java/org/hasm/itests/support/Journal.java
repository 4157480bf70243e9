package org.hasm.itests.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;

/**
 * Reads the controller's view for assertions: the call journal in short form ({@code name:CALL},
 * {@code name:OPMODE MASTER DAC}, the same words the test modules record) and the module list,
 * and builds the expected sequences ({@code each}, {@code reversed}, {@code concat}). The journal lists
 * calls in the order they started, so it keeps the documented order even where services run in
 * parallel; what the modules record may differ there ({@link #assertOrderModuloParallel}).
 */
public final class Journal {

    /**
     * The runtime's address module. It is installed with the example service, which waits on its
     * address readiness, and called like any HASM module; the journals the tests compare are those of
     * the modules they register and of the example, so its entries are left out of them.
     */
    public static final String ADDRESS_MODULE = "netif";
    /**
     * The runtime's node module: the controller takes the SCM's identity from the node, which is
     * always installed and called first of the HASM modules (its {@code init} draws the boot's
     * incarnation); like the address module it is left out of the journals the tests compare.
     */
    public static final String NODE_MODULE = "node";

    /** @return whether {@code module} is one of the runtime's modules the tests leave out */
    public static boolean runtimeModule(String module) {
        return ADDRESS_MODULE.equals(module) || NODE_MODULE.equals(module);
    }

    private Journal() {
    }

    /**
     * @param c the controller
     * @param name a module's name
     * @return the controller's snapshot of it, or {@code null}
     */
    public static ModuleInfo module(HaController c, String name) {
        for (ModuleInfo m : c.modules()) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }

    /** @return the modules as the controller lists them, for messages */
    public static String modules(HaController c) {
        return c.modules().stream()
                .map(m -> m.name() + "(" + m.tier() + "," + m.rank() + "," + m.status() + ",last=" + m.lastCall()
                        + (m.lastError() == null ? "" : ",error=" + m.lastError()) + ")")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /**
     * The journal as short strings: {@code name:CALL} or {@code name:OPMODE MASTER DAC}, the same
     * words the test modules record.
     *
     * @param c the controller
     * @param afterSequence only entries after this sequence; {@code -1} for all
     * @return the entries, in the order the calls started
     */
    public static List<String> journal(HaController c, long afterSequence) {
        return c.journal(afterSequence).stream().filter(r -> !runtimeModule(r.module()))
                .map(Journal::format).collect(Collectors.toList());
    }

    /**
     * Waits until the journal has at least {@code count} entries after {@code afterSequence}.
     *
     * @param c the controller
     * @param afterSequence only entries after this sequence; {@code -1} for all
     * @param count how many entries are awaited
     * @return the entries then, in short form (compare them with the expected list: a wrong
     *     order or an extra entry shows as a diff)
     */
    public static List<String> awaitJournal(HaController c, long afterSequence, int count) {
        Await.until(count + " journal entries after #" + afterSequence, Await.DEFAULT_TIMEOUT,
                () -> journal(c, afterSequence).size() >= count,
                () -> "journal " + journal(c, afterSequence) + "\n  modules " + modules(c));
        return journal(c, afterSequence);
    }

    /**
     * @param c the controller
     * @param afterSequence only entries after this sequence
     * @param module a module's name
     * @return that module's entries, with their outcome: {@code name:CALL=OUTCOME}
     */
    public static List<String> outcomes(HaController c, long afterSequence, String module) {
        return c.journal(afterSequence).stream().filter(r -> r.module().equals(module))
                .map(r -> format(r) + "=" + r.outcome()).collect(Collectors.toList());
    }

    /** @return the sequence of the newest journal entry, or {@code -1} if it is empty */
    public static long lastSequence(HaController c) {
        List<CallRecord> all = c.journal(-1);
        return all.isEmpty() ? -1 : all.get(all.size() - 1).sequence();
    }

    /**
     * @param r a journal entry
     * @return its short form
     */
    public static String format(CallRecord r) {
        return r.call() == Call.OPMODE
                ? r.module() + ":OPMODE " + r.opMode() + " " + r.sysConfig()
                : r.module() + ":" + r.call();
    }

    /**
     * The calls of one whole phase: {@code call} to every module of {@code order}, in that order.
     *
     * @param order module names
     * @param call the call's short form without the module ({@code INIT}, {@code OPMODE MASTER DAC})
     * @return the expected journal entries
     */
    public static List<String> each(List<String> order, String call) {
        return order.stream().map(n -> n + ":" + call).collect(Collectors.toList());
    }

    /**
     * @param order module names
     * @return the same, reversed
     */
    public static List<String> reversed(List<String> order) {
        List<String> r = new ArrayList<>(order);
        Collections.reverse(r);
        return r;
    }

    /**
     * Compares what the modules recorded with the documented order, where services are called in
     * parallel: in {@code expected}, a run of consecutive entries that give the same call to services
     * (all of {@code services}) may arrive in any order; everything else must match exactly, and no
     * entry may cross from one run to another.
     *
     * @param message for the failure
     * @param expected the documented order, as the journal lists it
     * @param actual what the modules recorded, in the order the calls reached them
     * @param services the names of the service-tier modules
     */
    public static void assertOrderModuloParallel(String message, List<String> expected, List<String> actual,
            Collection<String> services) {
        if (expected.size() != actual.size()) {
            throw new AssertionError(message + ": expected " + expected + " but was " + actual);
        }
        int i = 0;
        // bounded by the list: each round consumes at least one entry
        while (i < expected.size()) {
            int end = i + 1;
            if (services.contains(moduleOf(expected.get(i)))) {
                while (end < expected.size() && services.contains(moduleOf(expected.get(end)))
                        && callOf(expected.get(end)).equals(callOf(expected.get(i)))) {
                    end++;
                }
            }
            List<String> want = new ArrayList<>(expected.subList(i, end));
            List<String> got = new ArrayList<>(actual.subList(i, end));
            Collections.sort(want);
            Collections.sort(got);
            if (!want.equals(got)) {
                throw new AssertionError(message + ": entries " + i + ".." + (end - 1) + " should be " + want
                        + " in any order\n  expected " + expected + "\n  but was  " + actual);
            }
            i = end;
        }
    }

    private static String moduleOf(String entry) {
        return entry.substring(0, entry.indexOf(':'));
    }

    private static String callOf(String entry) {
        return entry.substring(entry.indexOf(':') + 1);
    }

    /**
     * @param lists lists
     * @return their concatenation
     */
    @SafeVarargs
    public static List<String> concat(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).collect(Collectors.toList());
    }
}
