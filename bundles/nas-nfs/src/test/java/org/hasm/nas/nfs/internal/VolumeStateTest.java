package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's state on a volume as two SCMs see it, one folder standing for the shared storage:
 * scm-a is paused without closing its personality, scm-b takes the volume over and serves it, scm-a
 * wakes (appending one stale reply before its fence fails) and later gets the volume back by
 * failback. scm-a must then serve what scm-b left, not what it remembered, and nothing scm-b kept may
 * have been overwritten by the stale append.
 */
class VolumeStateTest {

    private static ReplyCache.Key key(int xid) {
        return new ReplyCache.Key("10.0.0.9", xid, Nfs3.REMOVE, 5);
    }

    private record Scm(Fixture.TestVolume volume, VolumeState state) {
        static Scm on(Path root) {
            Fixture.TestVolume v = new Fixture.TestVolume("v1", root);
            Fixture.TestVolumes vs = new Fixture.TestVolumes();
            vs.owned.put("v1", v);
            return new Scm(v, new VolumeState(vs, "v1", root, NfsSettings.DEFAULTS, new Fixture.RecordingEvents()));
        }

        void owns(boolean owned, long epoch) {
            volume.owned.set(owned);
            volume.epoch.set(epoch);
        }
    }

    @Test
    void aFailedBackScmServesWhatItsPeerKeptAndItsStaleAppendNeitherOverwritesNorReplays(@TempDir Path dir)
            throws Exception {
        Path root = dir.resolve("v1");
        Files.createDirectories(root);
        Scm a = Scm.on(root);
        Scm b = Scm.on(root);
        byte[] one = {0, 0, 0, 1};
        byte[] two = {0, 0, 0, 2};
        byte[] stale = {0, 0, 0, 3};
        try {
            a.owns(true, 1);
            b.owns(false, 0);
            a.state().open();
            a.state().replies.done(key(1), one);

            // scm-a is stopped; scm-b takes the volume at a higher epoch and records a reply
            a.owns(false, 1);
            b.owns(true, 2);
            b.state().open();
            assertArrayEquals(one, b.state().replies.lookup(key(1)), "the new owner answers scm-a's reply");
            b.state().replies.done(key(2), two);

            // scm-a wakes: one request it had in hand appends its reply before its fence fails
            a.state().replies.done(key(3), stale);

            // failback: scm-b lets go, scm-a owns the volume again at a new epoch
            b.owns(false, 2);
            b.state().close();
            a.owns(true, 3);
            a.state().open();
            assertArrayEquals(two, a.state().replies.lookup(key(2)), "scm-a replays the reply scm-b gave after failback");
            assertNull(a.state().replies.lookup(key(3)), "a reply written by scm-a while it did not own the volume");
            assertArrayEquals(one, a.state().replies.lookup(key(1)));
        } finally {
            a.state().close();
            b.state().close();
        }

        // and on the volume itself: what a restart of both reads
        Scm c = Scm.on(root);
        try {
            c.owns(true, 4);
            c.state().open();
            assertArrayEquals(one, c.state().replies.lookup(key(1)));
            assertArrayEquals(two, c.state().replies.lookup(key(2)), "scm-b's reply was not overwritten on the volume");
            assertNull(c.state().replies.lookup(key(3)), "the stale owner's append is never replayed");
        } finally {
            c.state().close();
        }
    }
}
