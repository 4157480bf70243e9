package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every NLM v4 and NSM v1 procedure through the Java client against the NFS core: conflicts between
 * clients, blocking locks called back, the _MSG forms answered by _RES, shares, FREE_ALL and
 * SM_NOTIFY, handles and access checked as NFS checks them, no grant for a volume this SCM does not
 * own, locks and the NSM state that survive a restart (the new server reads the volume: a takeover),
 * and a real loss of the lock state (notified, grace period, reclaims).
 */
class NlmProceduresTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private TestServer server;
    private ClientHost host;
    private NlmClient one;
    private NlmClient two;
    private byte[] file;

    /** Serves the export with these access keys and grace period; the client host answers callbacks. */
    private void start(Map<String, String> access, long graceMs) throws Exception {
        if (host == null) {
            host = new ClientHost();
        }
        server = new TestServer(Files.createTempDirectory("hasm-nlm-test"), false, true, access);
        server.settings = new NfsSettings(8, 4096, 600_000, 200_000, nlm(graceMs));
        server.restart();
        try (NfsClient nfs = server.client()) {
            byte[] root = nfs.mount("/data");
            file = nfs.create(root, "locked.bin");
        }
        connect();
    }

    private void start() throws Exception {
        start(Map.of(), 45_000);
    }

    private void connect() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {one, two}) {
            if (c != null) {
                c.close();
            }
        }
        one = new NlmClient(TestServer.ADDRESS, server.port, "client-1", 101);
        two = new NlmClient(TestServer.ADDRESS, server.port, "client-2", 202);
    }

    private NlmSettings nlm(long graceMs) {
        return new NlmSettings(16, graceMs, 3_000, host.port);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {one, two, host, server}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void nullProceduresAndThePortmapperFindNlmAndNsm() throws Exception {
        start();
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.NULL, null);
        one.rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_NULL, null);
        try (RpcClient pmap = new RpcClient(TestServer.ADDRESS, server.portmapPort)) {
            for (int[] pv : new int[][] {{Nlm4.PROGRAM, Nlm4.VERSION}, {Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION}}) {
                Xdr3.MappingArgs m = new Xdr3.MappingArgs();
                m.program = pv[0];
                m.version = pv[1];
                m.protocol = Nfs3.IPPROTO_TCP;
                assertEquals(server.port, pmap.call(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION, Nfs3.PMAPPROC_GETPORT, m)
                        .xdrDecodeInt(), "program " + pv[0]);
            }
        }
    }

    @Test
    void locksOfTwoClientsConflictAsNlmSays() throws Exception {
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 100, true));
        assertEquals(NlmClient.DENIED, two.lock(file, 50, 10, false));
        NlmClient.Tested t = two.test(file, 99, 1, false);
        assertEquals(NlmClient.DENIED, t.stat());
        assertEquals(101, t.svid());
        assertTrue(t.exclusive());
        assertEquals(0, t.offset());
        assertEquals(100, t.length());
        assertEquals(NlmClient.GRANTED, one.test(file, 0, 0, true).stat(), "an owner never conflicts with itself");
        assertEquals(NlmClient.GRANTED, two.lock(file, 100, 0, true), "beyond the lock, to the end of the file");
        assertEquals(NlmClient.GRANTED, one.unlock(file, 40, 20));
        assertEquals(NlmClient.GRANTED, two.lock(file, 40, 20, false), "the hole an unlock split");
        assertEquals(NlmClient.DENIED, two.lock(file, 39, 2, false));
        assertEquals(NlmClient.GRANTED, two.nmLock(file, 0x1_0000_0000L, 1, true) == NlmClient.GRANTED
                ? NlmClient.GRANTED : -1, "NM_LOCK, above 4 GiB");
        try (NlmClient other = new NlmClient(TestServer.ADDRESS, server.port, "client-1", 102)) {
            assertEquals(NlmClient.DENIED, other.lock(file, 0, 1, false), "another svid of the same host");
        }
        // the bound: 16 entries per volume
        assertEquals(NlmClient.GRANTED, two.unlock(file, 100, 0));
        int granted = 0;
        int stat = NlmClient.GRANTED;
        for (int i = 0; i < 20 && stat == NlmClient.GRANTED; i++) {
            stat = one.lock(file, 1_000_000 + 10L * i, 1, true);
            granted += stat == NlmClient.GRANTED ? 1 : 0;
        }
        assertEquals(Nlm4.DENIED_NOLOCKS, stat, "after " + granted);
    }

    @Test
    void locksAndTheNsmStateSurviveARestartWithNoGracePeriod() throws Exception {
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true));
        int state = one.smStat();
        assertTrue(state > 0 && state % 2 == 1, "odd while up: " + state);
        server.restart(); // what the peer does on a takeover: a new server reads the volume
        connect();
        assertEquals(NlmClient.DENIED, two.lock(file, 10, 1, true), "held at once, no grace period");
        assertEquals(NlmClient.DENIED, two.test(file, 0, 1, false).stat());
        assertEquals(state, two.smStat(), "the state number did not change: nothing to reclaim");
        assertEquals(NlmClient.GRANTED, one.unlock(file, 0, 0));
        assertEquals(NlmClient.GRANTED, two.lock(file, 10, 1, true));
        assertTrue(server.events.events.stream().noneMatch(e -> e.startsWith("NLM_STATE_LOST")), server.events.events.toString());
    }

    @Test
    void anScmThatGetsTheVolumeBackReadsTheLocksAgain() throws Exception {
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true));
        int state = one.smStat();
        // the volume goes to the peer (epoch 2), whose client-1 lets go; then this SCM gets it back (epoch 3)
        server.volume.owned.set(false);
        server.volume.epoch.set(2);
        Path meta = server.root.resolve(FileIds.META);
        try (LockStore peer = new LockStore(meta, 2)) {
            long id = peer.table().locks().keySet().iterator().next();
            peer.unlock(id, one.lock(file, 0, 0).owner(), 0, LockTable.TO_END);
            assertEquals(0, peer.table().size());
            peer.force();
        }
        server.volume.epoch.set(3);
        server.volume.owned.set(true);
        assertEquals(NlmClient.GRANTED, two.lock(file, 0, 0, true), "what the peer changed is what this SCM serves");
        assertEquals(state, two.smStat());
    }

    @Test
    void aBlockedLockIsGrantedAndCalledBackWhenTheHolderLetsGo() throws Exception {
        host = new ClientHost();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 10, true));
        assertEquals(NlmClient.BLOCKED, two.lock(file, 5, 10, true, true, false));
        assertEquals(NlmClient.BLOCKED, two.lock(file, 5, 10, true, true, false), "a retry while blocked");
        assertEquals(NlmClient.GRANTED, one.unlock(file, 0, 10));
        Fixture.await("NLM_GRANTED called back", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.GRANTED).isEmpty());
        XdrNlm.TestArgs granted = new XdrNlm.TestArgs();
        granted.decode(host.calls(Nlm4.PROGRAM, Nlm4.GRANTED).get(0).xdr());
        assertEquals("client-2", granted.lock.callerName);
        assertEquals(5, granted.lock.offset);
        assertArrayEquals(file, granted.lock.fh);
        assertEquals(NlmClient.DENIED, one.lock(file, 14, 1, false), "client-2 holds it now");
        assertEquals(NlmClient.GRANTED, two.lock(file, 5, 10, true, true, false), "its retry is granted too");

        // a client that cannot be called back gets the lock on its next retry
        host.close();
        assertEquals(NlmClient.BLOCKED, one.lock(file, 0, 0, true, true, false));
        assertEquals(NlmClient.GRANTED, two.unlock(file, 0, 0));
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true, true, false));
        assertEquals(NlmClient.DENIED, two.lock(file, 0, 1, false));
        Fixture.await("the failed callback reported", WAIT,
                () -> server.events.warnings.stream().anyMatch(w -> w.contains("NLM_GRANTED to client-1")));
    }

    @Test
    void callbacksRunOnANamedDaemonThreadThatEndsWithTheServer() throws Exception {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 1, true));
        assertEquals(NlmClient.BLOCKED, two.lock(file, 0, 1, true, true, false));
        assertEquals(NlmClient.GRANTED, one.unlock(file, 0, 1));
        Fixture.await("NLM_GRANTED called back", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.GRANTED).isEmpty());
        java.util.List<Thread> callbacks = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().equals("hasm-nlm-A-callback")).toList();
        assertEquals(1, callbacks.size(), "one callback thread per personality");
        assertTrue(callbacks.get(0).isDaemon());
        server.server.destroy();
        Fixture.await("the callback thread to end", WAIT, () -> !callbacks.get(0).isAlive());
    }

    @Test
    void cancelForgetsABlockedRequest() throws Exception {
        host = new ClientHost();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 1, true));
        assertEquals(NlmClient.BLOCKED, two.lock(file, 0, 1, true, true, false));
        assertEquals(NlmClient.GRANTED, two.cancel(file, 0, 1, true));
        assertEquals(NlmClient.DENIED, two.cancel(file, 0, 1, true), "nothing left to cancel");
        assertEquals(NlmClient.GRANTED, one.unlock(file, 0, 1));
        try (NlmClient three = new NlmClient(TestServer.ADDRESS, server.port, "client-3", 3)) {
            assertEquals(NlmClient.GRANTED, three.lock(file, 0, 1, true), "no one was granted it behind the scenes");
        }
        assertTrue(host.calls(Nlm4.PROGRAM, Nlm4.GRANTED).isEmpty());
    }

    @Test
    void theMessageFormsAnswerByCallingTheClientBack() throws Exception {
        host = new ClientHost();
        start();
        XdrNlm.LockArgs lock = one.lockArgs(file, 0, 5, true, false, false);
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.LOCK_MSG, lock);
        Fixture.await("LOCK_RES", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.LOCK_RES).isEmpty());
        XdrNlm.Res r = new XdrNlm.Res();
        r.decode(host.calls(Nlm4.PROGRAM, Nlm4.LOCK_RES).get(0).xdr());
        assertArrayEquals(lock.cookie, r.cookie);
        assertEquals(NlmClient.GRANTED, r.stat);

        XdrNlm.TestArgs test = new XdrNlm.TestArgs();
        test.cookie = two.cookie();
        test.exclusive = true;
        test.lock = two.lock(file, 0, 1);
        two.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.TEST_MSG, test);
        Fixture.await("TEST_RES", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.TEST_RES).isEmpty());
        XdrNlm.TestRes tr = new XdrNlm.TestRes();
        tr.decode(host.calls(Nlm4.PROGRAM, Nlm4.TEST_RES).get(0).xdr());
        assertEquals(NlmClient.DENIED, tr.stat);
        assertEquals(101, tr.holder.owner().svid());

        XdrNlm.UnlockArgs unlock = new XdrNlm.UnlockArgs();
        unlock.cookie = one.cookie();
        unlock.lock = one.lock(file, 0, 5);
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.UNLOCK_MSG, unlock);
        Fixture.await("UNLOCK_RES", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.UNLOCK_RES).isEmpty());

        XdrNlm.CancelArgs cancel = new XdrNlm.CancelArgs();
        cancel.cookie = two.cookie();
        cancel.lock = two.lock(file, 0, 1);
        two.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.CANCEL_MSG, cancel);
        Fixture.await("CANCEL_RES", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.CANCEL_RES).isEmpty());

        // GRANTED is the client's procedure: this server waits for no one's lock
        XdrNlm.Res g = new XdrNlm.Res();
        g.decode(one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.GRANTED, test));
        assertEquals(NlmClient.DENIED, g.stat);
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.GRANTED_MSG, test);
        Fixture.await("GRANTED_RES", WAIT, () -> !host.calls(Nlm4.PROGRAM, Nlm4.GRANTED_RES).isEmpty());
        // the _RES procedures are accepted from a client too
        for (int proc : new int[] {Nlm4.LOCK_RES, Nlm4.CANCEL_RES, Nlm4.UNLOCK_RES, Nlm4.GRANTED_RES}) {
            one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, proc, new XdrNlm.Res(new byte[] {1}, 0));
        }
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.TEST_RES, new XdrNlm.TestRes(new byte[] {1}, 0, null));
    }

    @Test
    void sharesAndUnshares() throws Exception {
        start();
        assertEquals(NlmClient.GRANTED, one.share(file, 2, 1, false), "read, deny write");
        assertEquals(NlmClient.DENIED, two.share(file, 0, 2, false), "a writer");
        assertEquals(NlmClient.GRANTED, two.share(file, 0, 1, false), "a reader");
        assertEquals(NlmClient.GRANTED, one.share(file, 0, 1, true));
        assertEquals(NlmClient.GRANTED, two.share(file, 0, 3, false), "now it may write");
    }

    @Test
    void freeAllAndSmNotifyDropAClientsLocks() throws Exception {
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true));
        assertEquals(NlmClient.GRANTED, one.share(file, 3, 3, false));
        one.freeAll(3);
        assertEquals(NlmClient.GRANTED, two.lock(file, 0, 1, true));
        assertEquals(NlmClient.GRANTED, two.share(file, 0, 3, false));
        assertEquals(NlmClient.DENIED, one.lock(file, 0, 1, true));
        two.smNotify(5); // client-2 rebooted
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 1, true));
    }

    @Test
    void handlesAreProvenAsNfsProvesThemAndAVolumeNotOwnedIsNeverGranted() throws Exception {
        start();
        byte[] forged = file.clone();
        forged[10] ^= 1;
        assertEquals(NlmClient.STALE_FH, one.lock(forged, 0, 1, true));
        byte[] otherExport = server.handles.encode(Handles.exportId("B", "data"), 1, 1);
        assertEquals(NlmClient.STALE_FH, one.lock(otherExport, 0, 1, true));
        assertEquals(NlmClient.STALE_FH, one.test(new byte[3], 0, 1, true).stat());
        try (NfsClient nfs = server.client()) {
            byte[] root = nfs.mount("/data");
            byte[] gone = nfs.create(root, "gone");
            assertEquals(NfsClient.OK, nfs.remove(RpcClient.nextXid(), root, "gone"));
            assertEquals(NlmClient.STALE_FH, one.lock(gone, 0, 1, true), "a removed file");
        }
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 1, true));
        server.volume.owned.set(false);
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, two.lock(file, 5, 1, true), "not ours now: ask again later");
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, two.test(file, 5, 1, true).stat());
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, one.unlock(file, 0, 1));
        assertEquals(-1, one.smStat(), "stat_fail");
        server.volume.owned.set(true);
        assertEquals(NlmClient.DENIED, two.lock(file, 0, 1, true), "still held: the unlock never happened");
    }

    /**
     * A lease that lapsed for a moment (the fence refuses while the storage module still gives this SCM's
     * ownership out) answers DENIED_GRACE_PERIOD, as NFS answers JUKEBOX: the client asks again instead of
     * waiting for a reply that never comes, and the same lock asked again once the lease is confirmed is
     * granted.
     */
    @Test
    void aLockWhoseFenceIsRefusedWhileTheVolumeIsHeldIsAskedAgain() throws Exception {
        start();
        server.volume.fenceFails.set(true);
        int xid = RpcClient.nextXid();
        one.rpc.send(xid, Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.LOCK, one.lockArgs(file, 0, 1, true, false, false));
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, one.receiveStat(xid), "not proven now: ask again");
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, one.unlock(file, 0, 1));
        server.volume.fenceFails.set(false);
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 1, true), "the same lock asked again");
        assertEquals(NlmClient.DENIED, two.lock(file, 0, 1, true));
        assertEquals(NlmClient.GRANTED, one.unlock(file, 0, 1));
        assertEquals(NlmClient.GRANTED, two.lock(file, 0, 1, true));
        assertTrue(server.events.events.stream().noneMatch(e -> e.startsWith("FENCED")), "the volume was never lost");
    }

    /** A fence that finds another owner (the ownership ended): no reply, as a woken SCM answers nothing. */
    @Test
    void aLockWhoseFenceFindsAnotherOwnerGetsNoReply() throws Exception {
        start();
        server.volume.onFence = () -> {
            server.volume.owned.set(false);
            server.volumes.owned.remove("v1");
        };
        server.volume.fenceFails.set(true);
        int xid = RpcClient.nextXid();
        one.rpc.send(xid, Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.LOCK, one.lockArgs(file, 0, 1, true, false, false));
        Fixture.await("the fence to fail", WAIT, () -> server.events.events.stream().anyMatch(e -> e.startsWith("FENCED")));
        int nullXid = RpcClient.nextXid();
        one.rpc.send(nullXid, Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.NULL, null);
        assertEquals(nullXid, one.rpc.nextReplyXid(), "the LOCK was answered although the volume is another's");
    }

    @Test
    void garbageArgumentsToEveryProcedureGetAnErrorAndTheServerGoesOn() throws Exception {
        start();
        java.util.Random random = new java.util.Random(7);
        for (int[] program : new int[][] {{Nlm4.PROGRAM, Nlm4.VERSION, 25}, {Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, 8}}) {
            for (int proc = 0; proc < program[2]; proc++) {
                for (int i = 0; i < 20; i++) {
                    byte[] junk = new byte[random.nextInt(200) & ~3];
                    random.nextBytes(junk);
                    if (proc == Nlm4.SM_SIMU_CRASH && program[0] == Nlm4.NSM_PROGRAM) {
                        continue; // no arguments: the one procedure that acts on nothing but the caller
                    }
                    int xid = RpcClient.nextXid();
                    one.rpc.send(xid, program[0], program[1], proc, new Xdr3.Reply(out -> out.xdrEncodeOpaque(junk, junk.length)));
                    try {
                        one.rpc.receive(xid);
                    } catch (RpcClient.Refused r) {
                        // GARBAGE_ARGS or PROC_UNAVAIL
                    }
                }
            }
        }
        one.rpc.call(Nlm4.PROGRAM, Nlm4.VERSION, Nlm4.NULL, null);
        assertEquals(NlmClient.GRANTED, two.lock(file, 0, 0, true));
    }

    @Test
    void theExportsAccessRulesApply() throws Exception {
        start();
        one.rpc.anonymous();
        assertEquals(Nlm4.FAILED, one.lock(file, 0, 1, true), "AUTH_NONE");
        // the same volume and key, served to 10.0.0.0/8 only: the handle is genuine, the client is not admitted
        server.server.destroy();
        server.addresses.close();
        server = new TestServer(server.dir, false, true, Map.of(ExportAccess.CLIENTS + "data", "10.0.0.0/8"));
        connect();
        assertEquals(Nlm4.FAILED, two.lock(file, 0, 1, true), "a client outside the export's networks");
        assertEquals(-1, two.smStat());
    }

    @Test
    void aKernelStyleClientMonitorsThenLocksAndWatchersAreCalledBack() throws Exception {
        host = new ClientHost();
        start();
        int state = one.smMon(TestServer.ADDRESS, 0x20000001, 1, 1);
        assertTrue(state > 0, "SM_MON answered stat_succ with the state");
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true));
        assertEquals(state, one.smStat());
        // client-2 watches client-1; client-1 reboots and says so
        assertTrue(two.smMon("client-1", 0x20000001, 1, 7) > 0);
        one.smNotify(9);
        Fixture.await("the SM_MON callback", WAIT, () -> !host.calls(0x20000001, 7).isEmpty());
        XdrNlm.Status s = new XdrNlm.Status();
        s.decode(host.calls(0x20000001, 7).get(0).xdr());
        assertEquals("client-1", s.name);
        assertEquals(9, s.state);
        assertArrayEquals("private-16-bytes".getBytes(StandardCharsets.US_ASCII), s.priv);
        assertEquals(NlmClient.GRANTED, two.lock(file, 0, 1, true), "client-1's locks went with its reboot");
        XdrNlm.MonId id = new XdrNlm.MonId();
        id.monName = "client-1";
        id.myId.name = "client-2";
        id.myId.program = 0x20000001;
        id.myId.version = 1;
        id.myId.procedure = 7;
        assertEquals(state, two.rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_UNMON, id).xdrDecodeInt());
        assertEquals(state, two.rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_UNMON_ALL, id.myId).xdrDecodeInt());
        one.smNotify(11);
        assertEquals(1, host.calls(0x20000001, 7).size(), "no callback once unmonitored");
    }

    @Test
    void aLostLockStateRaisesTheStateNotifiesClientsAndAdmitsOnlyReclaimsForTheGracePeriod() throws Exception {
        host = new ClientHost();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 10, true));
        int state = one.smStat();
        server.server.destroy();
        Path log = server.root.resolve(FileIds.META).resolve(LockStore.FILE);
        byte[] bytes = Files.readAllBytes(log);
        bytes[bytes.length - 5] ^= 0x10; // damage the lock's record
        Files.write(log, bytes);
        // the grace begins when the volume is served, before the first request: long enough for the checks below
        server.settings = new NfsSettings(8, 4096, 600_000, 200_000, nlm(3_000));
        server.start();
        connect();
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, two.lock(file, 20, 1, true), "only reclaims in the grace period");
        Fixture.await("SM_NOTIFY to client-1", WAIT, () -> !host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty());
        XdrNlm.StatChange n = new XdrNlm.StatChange(true);
        n.decode(host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).get(0).xdr());
        assertEquals(state + 2, n.state);
        assertEquals(TestServer.ADDRESS, n.name, "the server's name as the client called it");
        assertEquals(state + 2, two.smStat());
        assertTrue(server.events.events.stream().anyMatch(e -> e.startsWith("NLM_STATE_LOST")), server.events.events.toString());
        assertEquals(NlmClient.DENIED_GRACE_PERIOD, two.test(file, 0, 1, true).stat());
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 10, true, false, true), "a reclaim");
        Fixture.await("the grace period to end", WAIT, () -> {
            try {
                return two.lock(file, 20, 1, true) == NlmClient.GRANTED;
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(NlmClient.DENIED, two.lock(file, 5, 1, true), "the reclaimed lock holds");
    }

    @Test
    void aLossIsToldWhenTheVolumeIsServedWithNoRequestFromAnyClient() throws Exception {
        host = new ClientHost();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 10, true));
        int state = one.smStat();
        server.server.destroy();
        damageLockLog();
        server.start(); // a restart, or the peer's takeover: from here on no client asks anything
        Fixture.await("SM_NOTIFY to client-1 with no request", WAIT,
                () -> !host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty());
        XdrNlm.StatChange n = new XdrNlm.StatChange(true);
        n.decode(host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).get(0).xdr());
        assertEquals(state + 2, n.state);
        assertTrue(server.events.events.stream().anyMatch(e -> e.startsWith("NLM_GRACE_STARTED")),
                server.events.events.toString());
    }

    @Test
    void aVolumeStillBeingAcquiredAtTheStartOfServingIsReadAndToldOnceItIsOwned() throws Exception {
        host = new ClientHost();
        start();
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 10, true));
        int state = one.smStat();
        server.server.destroy();
        damageLockLog();
        server.volume.owned.set(false); // the storage module hands the volume out before it has acquired it
        server.start();
        assertTrue(host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty(), "nothing read of a volume not owned");
        server.volume.owned.set(true);
        Fixture.await("SM_NOTIFY once the volume is owned", WAIT,
                () -> !host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty());
        XdrNlm.StatChange n = new XdrNlm.StatChange(true);
        n.decode(host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).get(0).xdr());
        assertEquals(state + 2, n.state);
    }

    private void damageLockLog() throws java.io.IOException {
        Path log = server.root.resolve(FileIds.META).resolve(LockStore.FILE);
        byte[] bytes = Files.readAllBytes(log);
        bytes[bytes.length - 5] ^= 0x10; // the last lock's record damaged on the disk
        Files.write(log, bytes);
    }

    @Test
    void simulatedCrashNeedsAnUnsquashedRoot() throws Exception {
        host = new ClientHost();
        start(Map.of(ExportAccess.ROOT_SQUASH + "data", "false"), 1_000);
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true));
        int state = one.smStat();
        one.rpc.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_SIMU_CRASH, null);
        assertEquals(state, one.smStat(), "uid 1000 cannot");
        try (RpcClient root = new RpcClient(TestServer.ADDRESS, server.port).as(0, 0)) {
            root.call(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, Nlm4.SM_SIMU_CRASH, null);
        }
        assertEquals(state + 2, one.smStat());
        Fixture.await("SM_NOTIFY to client-1", WAIT, () -> !host.calls(Nlm4.NSM_PROGRAM, Nlm4.SM_NOTIFY).isEmpty());
        assertEquals(NlmClient.GRANTED, one.lock(file, 0, 0, true, false, true), "client-1 reclaims");
    }
}
