package org.hasm.nas.nfs.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The byte-range locks and share reservations of one volume, by file id, as NLM version 4 defines
 * them: an owner is (caller_name, svid, oh); ranges are 64-bit and unsigned, a length of 0 reaching to
 * the end of the file; a shared lock conflicts only with another owner's exclusive one. An owner's
 * new lock replaces what it held in that range (POSIX), and its touching or overlapping locks of the
 * same kind merge; unlocking part of a range splits it. Pure logic, no I/O: {@link LockStore} keeps it
 * on the volume by replaying the same calls. Not thread-safe: its owner serializes the calls.
 */
final class LockTable {
    /** The last byte of a lock that reaches to the end of the file (2^64 - 1). */
    static final long TO_END = -1L;

    /** Who holds a lock: the client host's name, the process (svid) and the owner handle. */
    record Owner(String callerName, int svid, byte[] oh) {
        Owner {
            oh = oh.clone();
        }

        @Override
        public byte[] oh() {
            return oh.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Owner x && x.svid == svid && x.callerName.equals(callerName) && Arrays.equals(x.oh, oh);
        }

        @Override
        public int hashCode() {
            return (callerName.hashCode() * 31 + svid) * 31 + Arrays.hashCode(oh);
        }

        @Override
        public String toString() {
            return callerName + "/" + svid + "/" + new String(oh, StandardCharsets.ISO_8859_1).hashCode();
        }
    }

    /** A lock on bytes {@code start..last} (unsigned, inclusive). */
    record Lock(Owner owner, boolean exclusive, long start, long last) {
        /** @return NLM's length: 0 for a lock that reaches to the end */
        long length() {
            return last == TO_END ? 0 : last - start + 1;
        }

        boolean overlaps(long s, long l) {
            return Long.compareUnsigned(start, l) <= 0 && Long.compareUnsigned(s, last) <= 0;
        }
    }

    /** A share reservation (DOS-style open modes): what its owner uses and what it denies others. */
    record Share(String callerName, byte[] oh, int mode, int access) {
        boolean sameOwner(String name, byte[] handle) {
            return callerName.equals(name) && Arrays.equals(oh, handle);
        }
    }

    private final Map<Long, List<Lock>> locks = new HashMap<>();
    private final Map<Long, List<Share>> shares = new HashMap<>();
    private int count;

    /**
     * @return the last byte of a range at {@code offset} of {@code length} bytes (0: to the end), the
     *     end of the file when the sum passes 2^64
     */
    static long end(long offset, long length) {
        if (length == 0) {
            return TO_END;
        }
        long last = offset + length - 1;
        return Long.compareUnsigned(last, offset) < 0 ? TO_END : last;
    }

    /** @return the first lock of another owner that a lock of this kind on these bytes conflicts with, or {@code null} */
    Lock conflict(long file, Owner owner, boolean exclusive, long start, long last) {
        for (Lock l : locks.getOrDefault(file, List.of())) {
            if (!l.owner.equals(owner) && (exclusive || l.exclusive) && l.overlaps(start, last)) {
                return l;
            }
        }
        return null;
    }

    /** @return the conflicting lock, or {@code null} once the lock is held */
    Lock lock(long file, Owner owner, boolean exclusive, long start, long last) {
        Lock c = conflict(file, owner, exclusive, start, last);
        if (c != null) {
            return c;
        }
        cut(file, owner, start, last);
        List<Lock> list = locks.computeIfAbsent(file, f -> new ArrayList<>());
        long s = start;
        long e = last;
        // merge the owner's locks of the same kind that touch or overlap the new one
        for (Iterator<Lock> it = list.iterator(); it.hasNext();) {
            Lock l = it.next();
            if (l.owner.equals(owner) && l.exclusive == exclusive && touches(l, s, e)) {
                s = Long.compareUnsigned(l.start, s) < 0 ? l.start : s;
                e = Long.compareUnsigned(l.last, e) > 0 ? l.last : e;
                it.remove();
                count--;
            }
        }
        list.add(new Lock(owner, exclusive, s, e));
        count++;
        return null;
    }

    private static boolean touches(Lock l, long s, long e) {
        boolean leftOk = l.last == TO_END || Long.compareUnsigned(l.last + 1, s) >= 0;
        boolean rightOk = e == TO_END || Long.compareUnsigned(l.start, e + 1) <= 0;
        return leftOk && rightOk;
    }

    /** Releases the owner's locks on these bytes, splitting a lock that reaches beyond them. @return whether any changed */
    boolean unlock(long file, Owner owner, long start, long last) {
        boolean changed = cut(file, owner, start, last);
        List<Lock> list = locks.get(file);
        if (list != null && list.isEmpty()) {
            locks.remove(file);
        }
        return changed;
    }

    private boolean cut(long file, Owner owner, long start, long last) {
        List<Lock> list = locks.get(file);
        if (list == null) {
            return false;
        }
        List<Lock> pieces = new ArrayList<>();
        boolean changed = false;
        for (Iterator<Lock> it = list.iterator(); it.hasNext();) {
            Lock l = it.next();
            if (!l.owner.equals(owner) || !l.overlaps(start, last)) {
                continue;
            }
            it.remove();
            count--;
            changed = true;
            if (Long.compareUnsigned(l.start, start) < 0) {
                pieces.add(new Lock(owner, l.exclusive, l.start, start - 1));
            }
            if (last != TO_END && Long.compareUnsigned(l.last, last) > 0) {
                pieces.add(new Lock(owner, l.exclusive, last + 1, l.last));
            }
        }
        list.addAll(pieces);
        count += pieces.size();
        return changed;
    }

    /** @return the locks another owner holds that a request for these bytes would wait for, in the order they were taken */
    List<Lock> holders(long file) {
        return List.copyOf(locks.getOrDefault(file, List.of()));
    }

    /**
     * Takes a share reservation, replacing the owner's earlier one on the file.
     *
     * @return whether it was granted (no other owner's reservation denies what it wants or uses what it denies)
     */
    boolean share(long file, String callerName, byte[] oh, int mode, int access) {
        for (Share s : shares.getOrDefault(file, List.of())) {
            if (!s.sameOwner(callerName, oh) && ((s.mode & access) != 0 || (mode & s.access) != 0)) {
                return false;
            }
        }
        unshare(file, callerName, oh);
        shares.computeIfAbsent(file, f -> new ArrayList<>()).add(new Share(callerName, oh.clone(), mode, access));
        count++;
        return true;
    }

    boolean unshare(long file, String callerName, byte[] oh) {
        List<Share> list = shares.get(file);
        if (list == null) {
            return false;
        }
        boolean changed = list.removeIf(s -> s.sameOwner(callerName, oh));
        if (changed) {
            count--;
        }
        if (list.isEmpty()) {
            shares.remove(file);
        }
        return changed;
    }

    /** @return the client hosts (caller names) that hold a lock or a share reservation here */
    Set<String> callerNames() {
        Set<String> names = new HashSet<>();
        locks.values().forEach(l -> l.forEach(x -> names.add(x.owner.callerName)));
        shares.values().forEach(l -> l.forEach(x -> names.add(x.callerName)));
        return names;
    }

    /** Drops every lock and reservation of a client host (FREE_ALL, or its SM_NOTIFY). @return the files that had any */
    Set<Long> freeAll(String callerName) {
        Set<Long> files = new LinkedHashSet<>();
        for (Iterator<Map.Entry<Long, List<Lock>>> it = locks.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, List<Lock>> e = it.next();
            int before = e.getValue().size();
            e.getValue().removeIf(l -> l.owner.callerName.equals(callerName));
            if (e.getValue().size() != before) {
                count -= before - e.getValue().size();
                files.add(e.getKey());
            }
            if (e.getValue().isEmpty()) {
                it.remove();
            }
        }
        for (Iterator<Map.Entry<Long, List<Share>>> it = shares.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, List<Share>> e = it.next();
            int before = e.getValue().size();
            e.getValue().removeIf(s -> s.callerName.equals(callerName));
            if (e.getValue().size() != before) {
                count -= before - e.getValue().size();
                files.add(e.getKey());
            }
            if (e.getValue().isEmpty()) {
                it.remove();
            }
        }
        return files;
    }

    /** @return how many locks and reservations are held */
    int size() {
        return count;
    }

    /** @return every lock, by file (for compaction and tests) */
    Map<Long, List<Lock>> locks() {
        Map<Long, List<Lock>> copy = new HashMap<>();
        locks.forEach((f, l) -> copy.put(f, List.copyOf(l)));
        return copy;
    }

    Map<Long, List<Share>> shares() {
        Map<Long, List<Share>> copy = new HashMap<>();
        shares.forEach((f, l) -> copy.put(f, List.copyOf(l)));
        return copy;
    }

    /** @return a canonical description of the whole table, equal for equal tables (tests compare states with it) */
    String describe() {
        List<String> out = new ArrayList<>();
        locks.forEach((f, list) -> list.forEach(l -> out.add("L " + f + " " + l.owner + " " + (l.exclusive ? "x " : "s ")
                + Long.toUnsignedString(l.start) + "-" + Long.toUnsignedString(l.last))));
        shares.forEach((f, list) -> list.forEach(s -> out.add("S " + f + " " + s.callerName + " " + Arrays.toString(s.oh)
                + " " + s.mode + "/" + s.access)));
        out.sort(null);
        return String.join("\n", out);
    }
}
