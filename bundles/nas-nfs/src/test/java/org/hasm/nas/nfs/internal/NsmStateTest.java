package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
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
    void theNoticesOfARaiseAreOwedUntilToldAcrossReopens(@TempDir Path dir) throws Exception {
        NsmState s = new NsmState(dir, 4, 1);
        assertEquals(false, s.owed(), "a new state owes nothing");
        assertEquals(3, s.raise());
        assertTrue(new NsmState(dir, 4, 2).owed(), "a kill before the notices went: the next owner owes them");
        NsmState next = new NsmState(dir, 4, 2);
        assertEquals(5, next.raise());
        next.told(3);
        assertTrue(next.owed(), "told of an older state: the newer raise is still owed");
        next.told(5);
        assertEquals(false, next.owed());
        NsmState third = new NsmState(dir, 4, 3);
        assertEquals(false, third.owed(), "told, durably");
        assertEquals(5, third.notified());
    }

    @Test
    void aFileOfTheFormerFormatOwesNoNotice(@TempDir Path dir) throws Exception {
        // as the release before the notices were recorded wrote it: no field after the watches
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeLong(1); // epoch
        out.writeInt(7); // state
        out.writeInt(1); // one peer
        for (String v : List.of("client-1", "127.0.0.9", "127.0.0.2")) {
            out.writeShort(v.length());
            out.write(v.getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeInt(0); // no watch
        CRC32 crc = new CRC32();
        crc.update(body.toByteArray());
        Files.write(dir.resolve(NsmState.FILE), ByteBuffer.allocate(8 + body.size()).putInt(0x4e534d31)
                .putInt((int) crc.getValue()).put(body.toByteArray()).array());
        NsmState s = new NsmState(dir, 4, 2);
        assertNull(s.damaged());
        assertEquals(7, s.state());
        assertEquals(List.of(new NsmState.Peer("client-1", "127.0.0.9", "127.0.0.2")), s.peers());
        assertEquals(false, s.owed(), "an upgrade sends nothing again");
        assertEquals(9, s.raise());
        assertTrue(new NsmState(dir, 4, 2).owed(), "written in the new format");
    }

    @Test
    void aGraceIsRecordedWithItsRaiseAndReadByTheNextOwnerUntilItIsOver(@TempDir Path dir) throws Exception {
        NsmState s = new NsmState(dir, 4, 1);
        NsmState.Grace g = new NsmState.Grace(1_000_045_000L, "the lock state on volume v1 was lost");
        assertEquals(3, s.raise(List.of("v1", "v2"), g, 1_000_000_000L));
        NsmState next = new NsmState(dir, 4, 2);
        assertEquals(g, next.grace("v1"), "a takeover finds the grace with the raise");
        assertEquals(g, next.grace("v2"));
        assertNull(next.grace("v3"));
        assertTrue(next.owed(), "one write: the notices owed and the grace together");
        next.graceOver("v1", g);
        NsmState third = new NsmState(dir, 4, 3);
        assertNull(third.grace("v1"), "its end is durable");
        assertEquals(g, third.grace("v2"));
        third.graceOver("v2", new NsmState.Grace(7, "another"));
        assertEquals(g, new NsmState(dir, 4, 3).grace("v2"), "only the grace it was asked about ends");
        assertEquals(5, third.raise(List.of("v3"), null, 1_000_045_001L));
        NsmState fourth = new NsmState(dir, 4, 4);
        assertNull(fourth.grace("v2"), "over by the next raise: forgotten");
        assertNull(fourth.grace("v3"), "no grace configured: none recorded");
        assertTrue(new NsmState.Grace(0, "x".repeat(10_000)).why().length() < 1_000, "a reason is bounded");
    }

    @Test
    void aFileWithoutGracesResumesNone(@TempDir Path dir) throws Exception {
        // as the release before the graces were recorded wrote it: the notified state last
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeLong(1); // epoch
        out.writeInt(9); // state
        out.writeInt(0); // no peer
        out.writeInt(0); // no watch
        out.writeInt(7); // notified: the notices of 9 owed
        CRC32 crc = new CRC32();
        crc.update(body.toByteArray());
        Files.write(dir.resolve(NsmState.FILE), ByteBuffer.allocate(8 + body.size()).putInt(0x4e534d31)
                .putInt((int) crc.getValue()).put(body.toByteArray()).array());
        NsmState s = new NsmState(dir, 4, 2);
        assertNull(s.damaged());
        assertNull(s.grace("v1"));
        assertTrue(s.owed(), "what it did record still reads");
        assertEquals(7, s.notified());
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
