package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a request whose fence is refused gets: while this SCM's ownership of the volume has not ended
 * (its lease lapsed for a moment under load), JUKEBOX, so the client retries instead of waiting for a
 * reply that never comes, and nothing is kept in the reply cache; once the volume is definitely lost,
 * no reply at all.
 */
class FenceRefusedTest {
    private TestServer server;
    private NfsClient nfs;
    private byte[] root;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        nfs = server.client();
        root = nfs.mount("/data");
    }

    @AfterEach
    void stop() throws Exception {
        nfs.close();
        server.close();
    }

    @Test
    void aLapsedLeaseAnswersJukeboxAndTheRetransmissionIsCarriedOut() throws Exception {
        byte[] f = nfs.create(root, "f.bin");
        server.volume.fenceFails.set(true); // the lease lapsed: the volume still looks owned, the fence refuses
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.write(f, 0, new byte[] {1, 2, 3}, Nfs3.FILE_SYNC).status());
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.nfs(Nfs3.COMMIT, range(f)).status());
        int xid = RpcClient.nextXid();
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.nfs(xid, Nfs3.CREATE, NfsClient.create(root, "new.txt", Nfs3.GUARDED)).status());
        assertFalse(Files.exists(server.folder.resolve("new.txt")), "a namespace change is fenced before it is made");

        server.volume.fenceFails.set(false); // the lease is confirmed again
        assertEquals(Nfs3.OK, nfs.nfs(xid, Nfs3.CREATE, NfsClient.create(root, "new.txt", Nfs3.GUARDED)).status(),
                "the same request again is carried out, not answered JUKEBOX from the reply cache");
        assertTrue(Files.exists(server.folder.resolve("new.txt")));
        assertEquals(Nfs3.OK, nfs.write(f, 0, new byte[] {1, 2, 3}, Nfs3.FILE_SYNC).status());
    }

    @Test
    void aVolumeLostToAnotherOwnerGetsNoReply() throws Exception {
        byte[] f = nfs.create(root, "f.bin");
        // the fence finds another owner: the storage module lets go of this ownership at once
        server.volume.onFence = () -> {
            server.volume.owned.set(false);
            server.volumes.owned.remove("v1");
        };
        server.volume.fenceFails.set(true);
        int write = RpcClient.nextXid();
        nfs.sendWrite(write, f, 0, "late".getBytes(StandardCharsets.UTF_8), Nfs3.FILE_SYNC);
        Fixture.await("the write refused by its fence", Duration.ofSeconds(10),
                () -> server.events.events.stream().anyMatch(e -> e.startsWith("FENCED")));
        int ping = RpcClient.nextXid();
        nfs.rpc.send(ping, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.NULL, null);
        assertEquals(ping, nfs.rpc.receiveAny(), "the refused WRITE got a reply");
    }

    @Test
    void aSetattrIsNotAcknowledgedUnlessItsFencePasses() throws Exception {
        byte[] f = nfs.create(root, "f.bin");
        Xdr3.SetattrArgs set = new Xdr3.SetattrArgs();
        set.fh = f;
        set.attributes = Xdr3.Sattr.none();
        set.attributes.mode = 0600;
        server.volume.fenceFails.set(true); // the lease lapsed: the volume still looks owned, the fence refuses
        assertEquals(Nfs3.ERR_JUKEBOX, nfs.status(Nfs3.SETATTR, set));
        server.volume.fenceFails.set(false);
        assertEquals(Nfs3.OK, nfs.status(Nfs3.SETATTR, set), "asked again once the lease is confirmed");

        // the fence finds another owner: no reply at all
        server.volume.onFence = () -> {
            server.volume.owned.set(false);
            server.volumes.owned.remove("v1");
        };
        server.volume.fenceFails.set(true);
        set.attributes.mode = 0640;
        int xid = RpcClient.nextXid();
        nfs.rpc.send(xid, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.SETATTR, set);
        Fixture.await("the SETATTR refused by its fence", Duration.ofSeconds(10),
                () -> server.events.events.stream().anyMatch(e -> e.startsWith("FENCED")));
        int ping = RpcClient.nextXid();
        nfs.rpc.send(ping, Nfs3.PROGRAM, Nfs3.VERSION, Nfs3.NULL, null);
        assertEquals(ping, nfs.rpc.receiveAny(), "the refused SETATTR got a reply");
    }

    private static Xdr3.RangeArgs range(byte[] fh) {
        Xdr3.RangeArgs a = new Xdr3.RangeArgs();
        a.fh = fh;
        a.count = 0;
        return a;
    }
}
