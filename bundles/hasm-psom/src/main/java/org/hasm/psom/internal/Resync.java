package org.hasm.psom.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hasm.spi.shared.Persistence;

/**
 * What the MASTER and a returning SLAVE exchange, decided from their objects' stamps alone (a pure
 * function). For each name either holds:
 * <ul>
 * <li>held by one only: the other takes it (a tombstone too: a deletion is not undone), unless the
 * one holding it is <em>behind the pruning</em> (below);</li>
 * <li>one stamp later (higher term, then higher version): the other takes that copy. A takeover
 * raises the term, so what the survivor wrote alone wins over what the dead SCM may have written
 * and never had confirmed;</li>
 * <li>same stamp, different content (a write both made in the same term, which only a write that
 * failed with PEER can leave): the MASTER's copy wins;</li>
 * <li>same stamp, same content: nothing.</li>
 * </ul>
 *
 * <p>Behind the pruning: a tombstone is pruned only once the SLAVE dropped it first, so a store
 * that went on from the state it confirmed never holds an object whose tombstone its peer pruned.
 * A store copied back from an older state can (its pruning generation is below the one it
 * confirmed, see {@link ObjectStore.Pruned}): an object it alone holds may be one its peer deleted
 * and pruned meanwhile, and giving it to the peer would bring it back. Such an object, if persistent
 * and not deleted, is to be dropped on that side instead ({@code dropOnSlave}, {@code
 * dropOnMaster}); the side drops it only if it still holds it as it loaded it from its disk, and
 * otherwise (written since) gives it after all. Volatile objects are not in a copied store, so the
 * rule never touches them.
 */
final class Resync {
    record Plan(List<String> toSlave, List<String> toMaster, List<String> dropOnSlave, List<String> dropOnMaster) {
        boolean empty() {
            return toSlave.isEmpty() && toMaster.isEmpty() && dropOnSlave.isEmpty() && dropOnMaster.isEmpty();
        }
    }

    private Resync() {
    }

    static Plan decide(Map<String, Meta> master, Map<String, Meta> slave) {
        return decide(master, slave, false, false);
    }

    /**
     * @param slaveBehind the SLAVE's store is older than the pruning it confirmed to the MASTER
     * @param masterBehind the MASTER's store is older than the pruning it confirmed to the SLAVE
     */
    static Plan decide(Map<String, Meta> master, Map<String, Meta> slave, boolean slaveBehind, boolean masterBehind) {
        List<String> toSlave = new ArrayList<>();
        List<String> toMaster = new ArrayList<>();
        List<String> dropOnSlave = new ArrayList<>();
        List<String> dropOnMaster = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(master.keySet());
        names.addAll(slave.keySet());
        for (String n : names) {
            Meta m = master.get(n);
            Meta s = slave.get(n);
            if (s == null) {
                (masterBehind && mayBePruned(m) ? dropOnMaster : toSlave).add(n);
            } else if (m == null) {
                (slaveBehind && mayBePruned(s) ? dropOnSlave : toMaster).add(n);
            } else if (s.newerThan(m)) {
                toMaster.add(n);
            } else if (m.newerThan(s) || !m.sameContent(s)) {
                toSlave.add(n);
            }
        }
        return new Plan(toSlave, toMaster, dropOnSlave, dropOnMaster);
    }

    /** @return whether this copy, held by one side only, may be one the other side deleted and pruned */
    private static boolean mayBePruned(Meta m) {
        return m.persistence() == Persistence.PERSISTENT && !m.deleted();
    }
}
