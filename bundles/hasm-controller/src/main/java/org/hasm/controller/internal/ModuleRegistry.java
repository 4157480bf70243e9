package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.ModuleStatus;

/**
 * The registered modules, keyed by service id, and their order. A name is held by one module at a
 * time; a second registration under the same name waits as {@link ModuleStatus#CONFLICT} and is
 * promoted when the holder leaves (a hot update that installs the new bundle before removing the
 * old one passes through that state).
 */
final class ModuleRegistry {

    /** Forward order: tier (hasm first), rank ascending, then service id so the order is total. */
    static final Comparator<ModuleEntry> FORWARD = Comparator
            .comparingInt((ModuleEntry e) -> e.tier().ordinal())
            .thenComparingInt(ModuleEntry::rank)
            .thenComparingLong(e -> e.serviceId);

    // guarded by this
    private final Map<Long, ModuleEntry> entries = new HashMap<>();

    synchronized void add(ModuleEntry entry) {
        if (entry.status != ModuleStatus.INVALID && holder(entry.name()) != null) {
            entry.status(ModuleStatus.CONFLICT, null,
                    "another module named '" + entry.name() + "' is registered (" + holder(entry.name()) + ")");
        }
        entries.put(entry.serviceId, entry);
    }

    synchronized ModuleEntry get(long serviceId) {
        return entries.get(serviceId);
    }

    synchronized ModuleEntry remove(long serviceId) {
        return entries.remove(serviceId);
    }

    /**
     * After the holder of a name left: the longest-waiting module with that name, now
     * {@link ModuleStatus#REGISTERED}, or {@code null}.
     */
    synchronized ModuleEntry promote(String name) {
        if (holder(name) != null) {
            return null;
        }
        ModuleEntry next = entries.values().stream()
                .filter(e -> e.status == ModuleStatus.CONFLICT && e.name().equals(name))
                .min(Comparator.comparingLong(e -> e.serviceId))
                .orElse(null);
        if (next != null) {
            next.status(ModuleStatus.REGISTERED, null, null);
        }
        return next;
    }

    /** Replaces the properties of a registration; the new order applies from the next sequence. */
    synchronized void update(ModuleEntry entry, ModuleProperties properties) {
        entry.properties(properties);
    }

    /** @return every module in forward order */
    synchronized List<ModuleEntry> forward() {
        List<ModuleEntry> list = new ArrayList<>(entries.values());
        list.sort(FORWARD);
        return list;
    }

    /** @return every module in reverse order */
    synchronized List<ModuleEntry> reverse() {
        List<ModuleEntry> list = new ArrayList<>(entries.values());
        list.sort(FORWARD.reversed());
        return list;
    }

    private ModuleEntry holder(String name) {
        for (ModuleEntry e : entries.values()) {
            if (e.name().equals(name) && e.status != ModuleStatus.CONFLICT && e.status != ModuleStatus.INVALID) {
                return e;
            }
        }
        return null;
    }
}
