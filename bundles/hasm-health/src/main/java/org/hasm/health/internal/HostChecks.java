package org.hasm.health.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of the JVM and the host: heap in use (after the last collection, where the JVM says,
 * so that garbage not yet collected is no alarm), free space of the data folder and the shared
 * folder, threads deadlocked on monitors or locks. Each check gives a {@link Finding}; its figures
 * go into the wellness event.
 */
final class HostChecks {

    /** One check's result: {@code problem} is {@code null} when it is fine. */
    record Finding(String check, String problem, Map<String, Object> figures) { }

    private final Limits limits;

    HostChecks(Limits limits) {
        this.limits = limits;
    }

    List<Finding> run(Map<String, Path> folders) {
        List<Finding> all = new ArrayList<>();
        all.add(heap());
        folders.forEach((name, path) -> all.add(disk(name, path)));
        all.add(deadlocks());
        return all;
    }

    Finding heap() {
        long used = 0;
        long max = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) {
                continue;
            }
            MemoryUsage after = pool.getCollectionUsage();
            MemoryUsage now = pool.getUsage();
            used += usedAfterCollection(!pool.isUsageThresholdSupported(), after == null ? null : after.getUsed(),
                    now.getUsed());
            max += now.getMax() > 0 ? now.getMax() : now.getCommitted();
        }
        long heapMax = Runtime.getRuntime().maxMemory();
        if (heapMax > 0 && heapMax != Long.MAX_VALUE) {
            max = heapMax;
        }
        return heap(used, max);
    }

    /**
     * What a heap pool holds after collection.
     *
     * @param young the pool is where objects are born (eden, survivors): the JVM supports no usage
     *     threshold on it, since what it holds now is mostly garbage; it counts what the last collection
     *     left (eden: nothing), never what it holds now
     * @param after what the pool held after the last collection that measured it, {@code null} if the JVM
     *     does not say
     * @param now what it holds now: counted for an old pool no collection measured yet (G1 measures its
     *     old generation after mixed and full collections only: 0 after young ones, whatever it holds)
     */
    static long usedAfterCollection(boolean young, Long after, long now) {
        if (after == null) {
            return now;
        }
        return young || after > 0 ? after : now;
    }

    Finding heap(long used, long max) {
        int percent = max <= 0 ? 0 : (int) (used * 100 / max);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("heapUsedMb", used >> 20);
        figures.put("heapMaxMb", max >> 20);
        figures.put("heapUsedPercent", percent);
        String problem = percent > limits.heapMaxPercent() ? "heap " + percent + "% in use after collection ("
                + (used >> 20) + " of " + (max >> 20) + " MiB), above heap.max.percent=" + limits.heapMaxPercent()
                : null;
        return new Finding("heap", problem, figures);
    }

    Finding disk(String name, Path path) {
        String check = "disk." + name;
        Map<String, Object> figures = new LinkedHashMap<>();
        try {
            FileStore store = Files.getFileStore(path);
            long free = store.getUsableSpace();
            long total = store.getTotalSpace();
            long freeMb = free >> 20;
            int percent = total <= 0 ? 100 : (int) (free * 100 / total);
            figures.put(name + "FreeMb", freeMb);
            figures.put(name + "FreePercent", percent);
            String problem = null;
            if (freeMb < limits.diskFreeMinMb()) {
                problem = "the " + name + " folder " + path + " has " + freeMb + " MiB free, below disk.free.min.mb="
                        + limits.diskFreeMinMb();
            } else if (percent < limits.diskFreeMinPercent()) {
                problem = "the " + name + " folder " + path + " has " + percent + "% free, below"
                        + " disk.free.min.percent=" + limits.diskFreeMinPercent();
            }
            return new Finding(check, problem, figures);
        } catch (IOException | RuntimeException e) {
            return new Finding(check, "the " + name + " folder " + path + " cannot be checked: " + e, figures);
        }
    }

    Finding deadlocks() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] ids = threads.isSynchronizerUsageSupported() ? threads.findDeadlockedThreads()
                : threads.findMonitorDeadlockedThreads();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("deadlockedThreads", ids == null ? 0 : ids.length);
        if (ids == null || ids.length == 0) {
            return new Finding("deadlock", null, figures);
        }
        List<String> names = new ArrayList<>();
        for (ThreadInfo info : threads.getThreadInfo(ids)) {
            if (info != null) {
                names.add("'" + info.getThreadName() + "' waits for " + info.getLockName() + " held by '"
                        + info.getLockOwnerName() + "'");
            }
        }
        return new Finding("deadlock", ids.length + " threads deadlocked: " + String.join("; ", names), figures);
    }
}
