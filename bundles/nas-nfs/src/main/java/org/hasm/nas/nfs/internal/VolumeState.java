package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    final FileIds ids;
    final ReplyCache replies;

    VolumeState(Volumes volumes, String name, Path root, NfsSettings settings) throws IOException {
        this.volumes = volumes;
        this.name = name;
        this.root = root;
        // the same on both SCMs: clients compare it across a takeover
        this.fsid = Handles.exportId("volume", name) & Long.MAX_VALUE;
        this.ids = new FileIds(root, settings.scanLimit());
        this.replies = new ReplyCache(root.resolve(FileIds.META), settings.drcEntries(), settings.drcAgeMs(),
                System::currentTimeMillis);
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

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        replies.close();
    }
}
