package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NsmStateTest {

    @Test
    void theStateAndTheClientsSurviveAReopenByTheNextOwner(@TempDir Path dir) throws Exception {
        NsmState s = new NsmState(dir, 4, 1);
        assertNull(s.damaged());
        assertEquals(1, s.state());
        assertTrue(s.addPeer(new NsmState.Peer("client-1", "127.0.0.9", "127.0.0.2")));
        assertTrue(s.watch(new NsmState.Watch("client-1", "me", 1, 2, 3, new byte[Nlm4.SM_PRIV], "127.0.0.8")));
        assertEquals(3, s.raise());
        NsmState next = new NsmState(dir, 4, 2);
        assertNull(next.damaged());
        assertEquals(3, next.state(), "a takeover keeps the state number");
        assertEquals(List.of(new NsmState.Peer("client-1", "127.0.0.9", "127.0.0.2")), next.peers());
        assertEquals(1, next.watches().size());
    }

    @Test
    void itIsBounded(@TempDir Path dir) throws Exception {
        NsmState s = new NsmState(dir, 2, 1);
        assertTrue(s.addPeer(new NsmState.Peer("a", "1", "x")));
        assertTrue(s.addPeer(new NsmState.Peer("b", "1", "x")));
        assertTrue(s.addPeer(new NsmState.Peer("a", "1", "x")), "one kept already");
        assertEquals(false, s.addPeer(new NsmState.Peer("c", "1", "x")));
        assertTrue(s.addPeer(new NsmState.Peer("b", "2", "x")), "a kept client at a new address needs no room");
        assertEquals(2, s.peers().size());
        s.removePeer("a");
        assertTrue(s.addPeer(new NsmState.Peer("c", "1", "x")));
    }

    @Test
    void aDamagedFileStartsANewStateAndSaysWhy(@TempDir Path dir) throws Exception {
        new NsmState(dir, 4, 1).raise();
        Path f = dir.resolve(NsmState.FILE);
        byte[] b = Files.readAllBytes(f);
        b[b.length - 1] ^= 1;
        Files.write(f, b);
        NsmState s = new NsmState(dir, 4, 1);
        assertNotNull(s.damaged());
        assertTrue(s.state() % 2 == 1 && s.state() > 3, "a new odd state: " + s.state());
        assertNull(new NsmState(dir, 4, 1).damaged(), "written anew");
    }

    @Test
    void anOwnerOfAnOlderEpochNeitherReadsNorWritesIt(@TempDir Path dir) throws Exception {
        NsmState old = new NsmState(dir, 4, 5);
        new NsmState(dir, 4, 6).raise();
        assertThrows(NsmState.Stale.class, () -> old.addPeer(new NsmState.Peer("late", "1", "x")),
                "a paused SCM that wakes does not put its view over the new owner's");
        assertThrows(NsmState.Stale.class, () -> new NsmState(dir, 4, 5));
        assertEquals(3, new NsmState(dir, 4, 7).state());
    }

    @Test
    void whatACrashLeftOfARewriteIsDeletedByTheNextOwner(@TempDir Path dir) throws Exception {
        new NsmState(dir, 4, 1).addPeer(new NsmState.Peer("a", "1", "x"));
        java.nio.file.Files.writeString(dir.resolve("." + NsmState.FILE + ".5f3a.tmp"), "half");
        java.nio.file.Files.writeString(dir.resolve("." + NsmState.FILE + ".tmp"), "an earlier release's");
        NsmState next = new NsmState(dir, 4, 2);
        assertEquals(1, next.peers().size());
        try (var left = java.nio.file.Files.list(dir)) {
            assertEquals(java.util.List.of(dir.resolve(NsmState.FILE)), left.toList());
        }
    }
}
