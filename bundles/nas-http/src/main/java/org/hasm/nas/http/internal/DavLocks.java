package org.hasm.nas.http.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.catalina.servlets.WebdavServlet;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedLock;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjects;

/**
 * The WebDAV locks of one export, kept in the pair's persistent shared objects so that they outlive
 * the SCM that granted them: a LOCK taken through one SCM still holds on the other after a takeover.
 * One object per lock, {@code http/<personality>/<export>/lock/<token>}, holding the lock's fields.
 *
 * <p>Tomcat stays the lock engine (see {@link TomcatLocks}): after a request that may change the
 * table, the table is compared with what is stored and the difference written, before the
 * request is answered (LOCK and UNLOCK), so a client never holds a lock the peer does not know of.
 * When the export opens, the stored locks that have not expired are put back into the servlet.
 *
 * <p>Without the PSOM service (a test, an SCM without the module) the locks live in memory only, as
 * Tomcat keeps them. {@link #sync} is serialised by this object: {@code persisted} is guarded by it.
 */
final class DavLocks {
    /** How long a request waits for the lock of one stored lock object: only another request on it contends. */
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~@:+=-]{1,100}");

    private final Supplier<SharedObjects> shared;
    private final String prefix;
    private final Events events;
    // What the shared objects hold for this export, by token, as this SCM last wrote or read them.
    private final Map<String, TomcatLocks.Lock> persisted = new HashMap<>();

    DavLocks(Supplier<SharedObjects> shared, String personality, String export, Events events) {
        this.shared = shared;
        this.prefix = "http/" + personality + "/" + export + "/lock/";
        this.events = events;
    }

    /** @return whether the locks are kept in the shared objects (the PSOM service is there) */
    boolean shared() {
        return shared.get() != null;
    }

    /** Puts the stored locks of the export that have not expired back into the servlet. */
    synchronized void restore(WebdavServlet servlet) {
        SharedObjects so = shared.get();
        persisted.clear();
        if (so == null) {
            return;
        }
        long now = System.currentTimeMillis();
        int expired = 0;
        for (String name : so.names(prefix)) {
            try {
                Optional<byte[]> value = so.read(name);
                if (value.isEmpty() || value.get().length == 0) {
                    continue;
                }
                TomcatLocks.Lock l = decode(value.get());
                persisted.put(l.token(), l);
                if (l.expired(now)) {
                    expired++;
                }
            } catch (SharedObjectException | IOException e) {
                events.warn("WebDAV lock " + name + " cannot be read back: " + e.getMessage());
            }
        }
        TomcatLocks.replace(servlet, TomcatLocks.unexpired(persisted.values(), now));
        if (!persisted.isEmpty()) {
            events.info("WebDAV locks of " + prefix + "*: " + (persisted.size() - expired) + " restored"
                    + (expired == 0 ? "" : ", " + expired + " expired"));
        }
    }

    /**
     * Writes what changed in the servlet's lock table since the last call.
     *
     * @throws SharedObjectException naming the lock object that could not be written; what was
     *     written before stays, and the next call tries the rest again
     */
    synchronized void sync(WebdavServlet servlet) throws SharedObjectException {
        SharedObjects so = shared.get();
        if (so == null) {
            return;
        }
        Map<String, TomcatLocks.Lock> now = TomcatLocks.snapshot(servlet);
        for (TomcatLocks.Lock l : now.values()) {
            if (!l.equals(persisted.get(l.token())) && TOKEN.matcher(l.token()).matches()) {
                String name = prefix + l.token();
                so.create(name, Persistence.PERSISTENT);
                SharedLock lock = so.lock(name, WAIT);
                try {
                    so.write(lock, encode(l));
                } finally {
                    so.unlock(lock);
                }
                persisted.put(l.token(), l);
            }
        }
        for (String token : List.copyOf(persisted.keySet())) {
            if (!now.containsKey(token)) {
                String name = prefix + token;
                if (so.exists(name)) {
                    so.delete(so.lock(name, WAIT));
                }
                persisted.remove(token);
            }
        }
    }

    /** Puts the servlet's table back to what is stored (a change that could not be stored is undone). */
    synchronized void revert(WebdavServlet servlet) {
        TomcatLocks.replace(servlet, persisted.values());
    }

    static byte[] encode(TomcatLocks.Lock l) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(b);
            out.writeByte(1);
            for (String s : new String[] {l.path(), l.lockroot(), l.type(), l.scope(), l.owner(), l.token(), l.principal()}) {
                out.writeBoolean(s != null);
                if (s != null) {
                    out.writeUTF(s);
                }
            }
            out.writeInt(l.depth());
            out.writeLong(l.expiresAt());
            out.flush();
            return b.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static TomcatLocks.Lock decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int format = in.readByte();
        if (format != 1) {
            throw new IOException("unknown format " + format);
        }
        String[] s = new String[7];
        for (int i = 0; i < s.length; i++) {
            s[i] = in.readBoolean() ? in.readUTF() : null;
        }
        return new TomcatLocks.Lock(s[0], s[1], s[2], s[3], in.readInt(), s[4], s[5], in.readLong(), s[6]);
    }
}
