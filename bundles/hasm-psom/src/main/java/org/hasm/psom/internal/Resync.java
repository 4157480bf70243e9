package org.hasm.psom.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the MASTER and a returning SLAVE exchange, decided from their objects' stamps alone (a pure
 * function). For each name either holds:
 * <ul>
 * <li>held by one only: the other takes it (a tombstone too: a deletion is not undone);</li>
 * <li>one stamp later (higher term, then higher version): the other takes that copy. A takeover
 * raises the term, so what the survivor wrote alone wins over what the dead SCM may have written
 * and never had confirmed;</li>
 * <li>same stamp, different content (a write both made in the same term, which only a write that
 * failed with PEER can leave): the MASTER's copy wins;</li>
 * <li>same stamp, same content: nothing.</li>
 * </ul>
 */
final class Resync {
    record Plan(List<String> toSlave, List<String> toMaster) {
        boolean empty() {
            return toSlave.isEmpty() && toMaster.isEmpty();
        }
    }

    private Resync() {
    }

    static Plan decide(Map<String, Meta> master, Map<String, Meta> slave) {
        List<String> toSlave = new ArrayList<>();
        List<String> toMaster = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(master.keySet());
        names.addAll(slave.keySet());
        for (String n : names) {
            Meta m = master.get(n);
            Meta s = slave.get(n);
            if (s == null) {
                toSlave.add(n);
            } else if (m == null) {
                toMaster.add(n);
            } else if (s.newerThan(m)) {
                toMaster.add(n);
            } else if (m.newerThan(s) || !m.sameContent(s)) {
                toSlave.add(n);
            }
        }
        return new Plan(toSlave, toMaster);
    }
}
