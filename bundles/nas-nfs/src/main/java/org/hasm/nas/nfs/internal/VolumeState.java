package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.hasm.spi.storage.Volume;

/**
 * What the NFS service keeps of one volume while a personality of this SCM serves it: the live view
 * of its ownership, its file ids and its duplicate request cache (both on the volume, under
 * {@value FileIds#META}). Every request asks {@link #current()} again: the instant this SCM loses the
 * volume, nothing more is served from it, even before the next {@code opMode} closes it.
 */
final class VolumeState implements AutoCloseable {
    private final Volumes volumes;
    private final String name;
    private final Path root;
    private final long fsid;
    private final NfsSettings settings;
    // Written once by open(), under this; read by requests after their open() returned.
    volatile FileIds ids;
    volatile ReplyCache replies;

    VolumeState(Volumes volumes, String name, Path root, NfsSettings settings) {
        this.volumes = volumes;
        this.name = name;
        this.root = root;
        this.settings = settings;
        // the same on both SCMs: clients compare it across a takeover
        this.fsid = Handles.exportId("volume", name) & Long.MAX_VALUE;
    }

    /**
     * Reads (and creates, the first time) the service's state on the volume: only once this SCM owns
     * it, so that a volume still being acquired, which the peer may own yet, is never written, not even
     * a torn record of the reply cache cut off.
     *
     * @throws IOException if the volume is not owned now, or its state cannot be read or made
     */
    synchronized void open() throws IOException {
        if (replies != null) {
            return;
        }
        if (current() == null) {
            throw new IOException("volume " + name + " is not owned by this SCM now");
        }
        FileIds f = new FileIds(root, settings.scanLimit());
        replies = new ReplyCache(root.resolve(FileIds.META), settings.drcEntries(), settings.drcAgeMs(),
                System::currentTimeMillis);
        ids = f;
    }

    String name() {
        return name;
    }

    Path root() {
        return root;
    }

    long fsid() {
        return fsid;
    }

    /** @return the volume if this SCM owns it now at the root it was opened on, else {@code null} */
    Volume current() {
        Volume v = volumes.volume(name);
        if (v == null || !v.owned() || !root.equals(v.root())) {
            return null;
        }
        return v;
    }

    @Override
    public synchronized void close() throws IOException {
        if (replies != null) {
            replies.close();
        }
    }
}
