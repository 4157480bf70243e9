package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * What the status monitor (NSM) of one personality keeps, on the volume of its first export
 * ({@code .hasm-nfs/nsm.state}), so that the SCM serving the personality next has it: the state
 * number (odd, as NSM's are while a host is up), the client hosts that hold monitored locks (told by
 * SM_NOTIFY if the lock state is ever lost), the state number those hosts were last told of, the SM_MON
 * registrations (called back when a watched host's state changes), and, per volume whose lock state was
 * really lost, the wall-clock time its grace period ends ({@link #grace(String)}). A raise leaves the state
 * ahead of the one told until every notice of it was tried ({@link #owed()}), so an SCM killed in between, or
 * the peer that takes the volume over, finds the notices still owed and sends them; it records the grace in
 * the same write, so whoever serves the volume next, during the grace, resumes it for the time left. The file
 * is rewritten whole (temporary file, force, atomic rename, force of the folder) at each change: the old or
 * the new content, never a mix. It carries the volume's ownership epoch of its writer; an SCM of an older
 * epoch neither reads nor writes it (a paused SCM that wakes after the takeover). A file that does not read
 * (damaged, not ours) starts a new state number above any a clock-less count could have reached before, and
 * {@link #damaged()} says why. Not thread-safe: its owner serializes calls.
 */
final class NsmState {
    static final String FILE = "nsm.state";
    private static final int MAGIC = 0x4e534d31; // "NSM1"
    private static final int MAX_WHY = 512;

    /** A client host with monitored locks: its name (caller_name), the address it called from, the address it called. */
    record Peer(String name, String address, String server) {
    }

    /**
     * The grace period of a volume after a real loss of its lock state: only reclaims until {@code untilMillis}
     * (the wall clock of the SCM that began it), begun because of {@code why}.
     */
    record Grace(long untilMillis, String why) {
        Grace {
            // for the log of whoever resumes it: bounded, so that the file stays small
            why = why.length() > MAX_WHY ? why.substring(0, MAX_WHY) + "..." : why;
        }
    }

    /** An SM_MON registration: watch {@code monName}, call {@code program/version/procedure} at {@code address}. */
    record Watch(String monName, String myName, int program, int version, int procedure, byte[] priv, String address) {
        boolean sameId(String mon, XdrNlm.MyId id) {
            return monName.equals(mon) && sameCaller(id);
        }

        boolean sameCaller(XdrNlm.MyId id) {
            return myName.equals(id.name) && program == id.program && version == id.version && procedure == id.procedure;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Watch w && w.monName.equals(monName) && w.myName.equals(myName) && w.program == program
                    && w.version == version && w.procedure == procedure && Arrays.equals(w.priv, priv)
                    && w.address.equals(address);
        }

        @Override
        public int hashCode() {
            return monName.hashCode() * 31 + myName.hashCode();
        }
    }

    private final Path file;
    private final int max;
    private final long epoch;
    private final String damaged;
    private int state;
    // the state the clients were last told of: behind {@code state} while the notices of a raise are owed
    private int notified;
    private final List<Peer> peers = new ArrayList<>();
    private final List<Watch> watches = new ArrayList<>();
    // by volume name: the grace periods begun by a raise and not known to be over
    private final Map<String, Grace> graces = new LinkedHashMap<>();

    /**
     * @param max how many peers, and how many watches, it keeps at most
     * @param epoch the ownership epoch of the volume for this SCM now
     * @throws IOException if it cannot be written, or a newer owner of the volume wrote it
     */
    NsmState(Path folder, int max, long epoch) throws IOException {
        this.file = folder.resolve(FILE);
        this.max = max;
        this.epoch = epoch;
        Files.createDirectories(folder);
        String why = null;
        try {
            read(Files.readAllBytes(file));
        } catch (Stale e) {
            throw e;
        } catch (NoSuchFileException e) {
            state = 1;
            notified = 1;
            write();
        } catch (IOException | RuntimeException e) {
            why = file + " does not read: " + e.getMessage();
            peers.clear();
            watches.clear();
            graces.clear();
            // a number no earlier state of this personality is likely to have reached: seconds since 1970, odd
            state = (int) (System.currentTimeMillis() / 1000) | 1;
            notified = state; // it knows no client: none to tell
            write();
        }
        this.damaged = why;
        Records.deleteTemporaries(file); // what a crash left of a rewrite (this SCM owns the volume: not stale)
    }

    /** The file was written by an owner of a newer epoch: this SCM is the stale one. */
    static final class Stale extends IOException {
        private static final long serialVersionUID = 1L;

        Stale(String message) {
            super(message);
        }
    }

    private void read(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            if (b.getInt() != MAGIC) {
                throw new IOException("not an NSM state file");
            }
            int crc = b.getInt();
            CRC32 c = new CRC32();
            c.update(bytes, 8, bytes.length - 8);
            if ((int) c.getValue() != crc) {
                throw new IOException("damaged (CRC)");
            }
            long at = b.getLong();
            if (at > epoch) {
                throw new Stale(file + " was written at epoch " + at + " of the volume, after this SCM's " + epoch
                        + ": another SCM owns it now");
            }
            state = b.getInt();
            int n = b.getInt();
            for (int i = 0; i < n; i++) {
                peers.add(new Peer(str(b), str(b), str(b)));
            }
            n = b.getInt();
            for (int i = 0; i < n; i++) {
                String mon = str(b);
                String my = str(b);
                int prog = b.getInt();
                int vers = b.getInt();
                int proc = b.getInt();
                byte[] priv = new byte[Nlm4.SM_PRIV];
                b.get(priv);
                watches.add(new Watch(mon, my, prog, vers, proc, priv, str(b)));
            }
            // last, so that a release before it reads the file and ignores it; a file of such a release has none,
            // and owes no notice (it kept no such debt)
            notified = b.hasRemaining() ? b.getInt() : state;
            // after it for the same reason: a file of a release before the grace was kept has none, so nothing
            // resumes (such a release kept its grace in memory only)
            n = b.hasRemaining() ? b.getInt() : 0;
            for (int i = 0; i < n; i++) {
                String volume = str(b);
                long until = b.getLong();
                graces.put(volume, new Grace(until, str(b)));
            }
        } catch (BufferUnderflowException e) {
            throw new IOException("cut short");
        }
    }

    /** @throws Stale if the file was written at a newer epoch: a paused SCM that woke after the takeover */
    private void requireNoNewerEpoch() throws IOException {
        try {
            byte[] now = Files.readAllBytes(file);
            if (now.length >= 16 && ByteBuffer.wrap(now).getInt() == MAGIC && ByteBuffer.wrap(now).getLong(8) > epoch) {
                throw new Stale(file + " was written at a newer epoch of the volume than this SCM's " + epoch);
            }
        } catch (NoSuchFileException e) {
            // the first write
        }
    }

    private void write() throws IOException {
        // a paused SCM that wakes after the takeover must not put its old view over the new owner's: checked
        // before and again after the new version is written, under a name of this writer's own
        requireNoNewerEpoch();
        int size = 28;
        for (Peer p : peers) {
            size += 6 + len(p.name) + len(p.address) + len(p.server);
        }
        for (Watch w : watches) {
            size += 6 + len(w.monName) + len(w.myName) + 12 + Nlm4.SM_PRIV + len(w.address);
        }
        size += 4 + 4; // notified, then how many graces
        for (Map.Entry<String, Grace> g : graces.entrySet()) {
            size += 4 + len(g.getKey()) + 8 + len(g.getValue().why);
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).putInt(0).putLong(epoch).putInt(state).putInt(peers.size());
        for (Peer p : peers) {
            put(b, p.name);
            put(b, p.address);
            put(b, p.server);
        }
        b.putInt(watches.size());
        for (Watch w : watches) {
            put(b, w.monName);
            put(b, w.myName);
            b.putInt(w.program).putInt(w.version).putInt(w.procedure).put(w.priv);
            put(b, w.address);
        }
        b.putInt(notified);
        b.putInt(graces.size());
        for (Map.Entry<String, Grace> g : graces.entrySet()) {
            put(b, g.getKey());
            b.putLong(g.getValue().untilMillis);
            put(b, g.getValue().why);
        }
        byte[] bytes = Arrays.copyOf(b.array(), b.position());
        CRC32 c = new CRC32();
        c.update(bytes, 8, bytes.length - 8);
        ByteBuffer.wrap(bytes).putInt(4, (int) c.getValue());
        Path tmp = Records.temporary(file);
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer w = ByteBuffer.wrap(bytes);
            while (w.hasRemaining()) {
                out.write(w);
            }
            out.force(true);
            requireNoNewerEpoch();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Records.forceFolder(file.getParent());
    }

    private static int len(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1).length;
    }

    private static void put(ByteBuffer b, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        b.putShort((short) v.length).put(v);
    }

    private static String str(ByteBuffer b) {
        byte[] v = new byte[b.getShort() & 0xffff];
        b.get(v);
        return new String(v, StandardCharsets.ISO_8859_1);
    }

    /** @return why the file did not read when it was opened, or {@code null} */
    String damaged() {
        return damaged;
    }

    int state() {
        return state;
    }

    /**
     * Raises the state number to the next odd one: the lock state was lost, clients must reclaim. The notices
     * of it are owed from now on, durably, until {@link #told(int)}.
     */
    int raise() throws IOException {
        return raise(List.of(), null, Long.MIN_VALUE);
    }

    /**
     * Raises the state as {@link #raise()} and, in the same write, records the grace period of the volumes whose
     * lock state went: a kill right after it leaves both the notices owed and the grace to resume.
     *
     * @param volumes the volumes that admit only reclaims until {@code grace} ends
     * @param grace their grace period, or {@code null} for none (none is configured)
     * @param nowMillis the wall clock now: graces that ended by then are forgotten in the same write
     */
    int raise(List<String> volumes, Grace grace, long nowMillis) throws IOException {
        graces.values().removeIf(g -> g.untilMillis <= nowMillis);
        if (grace != null) {
            for (String v : volumes) {
                graces.put(v, grace);
            }
        }
        state += 2;
        write();
        return state;
    }

    /** @return the grace period recorded for the volume, or {@code null}; it may have ended by now */
    Grace grace(String volume) {
        return graces.get(volume);
    }

    /** Forgets the grace period of the volume if it is still {@code g} (a newer raise keeps its own). */
    void graceOver(String volume, Grace g) throws IOException {
        if (graces.remove(volume, g)) {
            write();
        }
    }

    /** @return whether the clients were not (all) tried with the notice of the current state yet */
    boolean owed() {
        return notified != state;
    }

    /** @return the state number the clients were last told of */
    int notified() {
        return notified;
    }

    /**
     * Records that every client kept was tried with the notice of {@code told}; nothing if the state was raised
     * again since (the notices of that raise are still owed).
     */
    void told(int told) throws IOException {
        if (told == state && notified != state) {
            notified = state;
            write();
        }
    }

    /** @return whether the peer is (now) kept; false when {@code max} peers are kept already */
    boolean addPeer(Peer p) throws IOException {
        if (peers.contains(p)) {
            return true;
        }
        // a client kept already whose address changed takes its own place: it needs no room
        boolean replaced = peers.removeIf(q -> q.name.equals(p.name) && q.server.equals(p.server));
        if (!replaced && peers.size() >= max) {
            return false;
        }
        peers.add(p);
        write();
        return true;
    }

    void removePeer(String name) throws IOException {
        if (peers.removeIf(p -> p.name.equals(name))) {
            write();
        }
    }

    /** Forgets the peers whose name is not in {@code names}; written once if any went. */
    void retainPeers(java.util.Set<String> names) throws IOException {
        if (peers.removeIf(p -> !names.contains(p.name))) {
            write();
        }
    }

    List<Peer> peers() {
        return List.copyOf(peers);
    }

    /** @return whether it is (now) kept; false when {@code max} watches are kept already */
    boolean watch(Watch w) throws IOException {
        watches.removeIf(x -> x.monName.equals(w.monName) && x.myName.equals(w.myName) && x.program == w.program
                && x.version == w.version && x.procedure == w.procedure);
        if (watches.size() >= max) {
            return false;
        }
        watches.add(w);
        write();
        return true;
    }

    void unwatch(String monName, XdrNlm.MyId id) throws IOException {
        if (watches.removeIf(w -> w.sameId(monName, id))) {
            write();
        }
    }

    void unwatchAll(XdrNlm.MyId id) throws IOException {
        if (watches.removeIf(w -> w.sameCaller(id))) {
            write();
        }
    }

    List<Watch> watches() {
        return List.copyOf(watches);
    }
}
