package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client networks, AUTH_NONE and root squash of an export, through the Java client. */
class AccessTest {

    private static TestServer server(Map<String, String> access) throws Exception {
        return new TestServer(Files.createTempDirectory("hasm-nfs-access"), false, true, access);
    }

    private static int uid(TestServer s, String name) throws Exception {
        return (Integer) Files.getAttribute(s.folder.resolve(name), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void clientNetworksParseAndMatch() throws Exception {
        ClientNetworks n = ClientNetworks.parse("10.1.0.0/16, 127.0.0.1, fd00::/8");
        assertTrue(n.admits(InetAddress.getByName("10.1.200.3")));
        assertFalse(n.admits(InetAddress.getByName("10.2.0.1")));
        assertTrue(n.admits(InetAddress.getByName("127.0.0.1")));
        assertFalse(n.admits(InetAddress.getByName("127.0.0.2")));
        assertTrue(n.admits(InetAddress.getByName("fd12::1")));
        assertTrue(ClientNetworks.parse("*").admits(InetAddress.getByName("192.168.9.9")));
        assertThrows(IllegalArgumentException.class, () -> ClientNetworks.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> ClientNetworks.parse("some.host"));
    }

    @Test
    void aClientOutsideTheExportsNetworksIsRefused() throws Exception {
        try (TestServer s = server(Map.of("nfs.clients.data", "10.0.0.0/8"))) {
            try (NfsClient nfs = s.client()) {
                Xdr3.MountArgs a = new Xdr3.MountArgs();
                a.path = "/data".getBytes(StandardCharsets.UTF_8);
                assertEquals(Nfs3.MNT_ERR_ACCES, nfs.rpc.call(Nfs3.MOUNT_PROGRAM, 3, Nfs3.MOUNTPROC_MNT, a).xdrDecodeInt());
                // a handle it got some other way is no key either
                try (VolumeState v = new VolumeState(s.volumes, "v1", s.root, NfsSettings.DEFAULTS,
                        new Fixture.RecordingEvents())) {
                    ExportState e = new ExportState("A", "data", v, s.folder, false, ExportAccess.DEFAULT);
                    e.open();
                    byte[] root = s.handles.encode(Handles.exportId("A", "data"), e.rootId(), e.rootInode());
                    assertEquals(Nfs3.ERR_ACCES, nfs.getattrStatus(root));
                    assertEquals(Nfs3.ERR_ACCES, nfs.status(Nfs3.REMOVE, NfsClient.dirop(root, "x")));
                }
            }
        }
        try (TestServer s = server(Map.of("nfs.clients.data", "127.0.0.0/8")); NfsClient nfs = s.client()) {
            assertEquals(Nfs3.OK, nfs.getattrStatus(nfs.mount("/data")));
        }
    }

    @Test
    void callsWithoutCredentialsAreRefusedUnlessTheExportAdmitsThem() throws Exception {
        byte[] root;
        try (TestServer s = server(Map.of()); NfsClient nfs = s.client()) {
            root = nfs.mount("/data");
            nfs.rpc.anonymous();
            assertEquals(Nfs3.ERR_ACCES, nfs.getattrStatus(root));
            assertThrows(java.io.IOException.class, () -> nfs.mount("/data"));
        }
        try (TestServer s = server(Map.of("nfs.auth.none.data", "true")); NfsClient nfs = s.client()) {
            nfs.rpc.anonymous();
            byte[] r = nfs.mount("/data");
            nfs.create(r, "anon.txt");
            assertEquals(ExportAccess.NOBODY, uid(s, "anon.txt"), "an anonymous caller is nobody");
        }
    }

    @Test
    void aNameIsMadeOwnedInTheStagingFolderAndWhatACrashLeftThereIsSwept() throws Exception {
        try (TestServer s = server(Map.of())) {
            // what a crash between the two steps of a make left: a staged file never put in place
            Path staging = Files.createDirectories(s.root.resolve(FileIds.META).resolve(Namespace.STAGING));
            Files.writeString(staging.resolve("left.1"), "x");
            try (NfsClient nfs = s.client()) {
                byte[] root = nfs.mount("/data");
                nfs.create(root, "made.txt");
                nfs.mkdirHandle(root, "made-dir");
                assertEquals(ExportAccess.NOBODY, uid(s, "made.txt"), "owned from the moment it has its name");
                assertEquals(ExportAccess.NOBODY, uid(s, "made-dir"));
                assertEquals(1L, ((Number) Files.getAttribute(s.folder.resolve("made.txt"), "unix:nlink")).longValue(),
                        "the staged name is gone");
                try (var left = Files.list(staging)) {
                    assertEquals(java.util.List.of(), left.toList(), "the crash's leftover is swept, nothing new is left");
                }
                // made again (a retransmitted UNCHECKED CREATE to the next owner): the same file, still writable
                nfs.create(root, "made.txt");
                assertEquals(ExportAccess.NOBODY, uid(s, "made.txt"));
            }
        }
    }

    @Test
    void rootIsSquashedByDefaultAndOthersOwnWhatTheyMake() throws Exception {
        try (TestServer s = server(Map.of()); NfsClient nfs = s.client()) {
            byte[] root = nfs.mount("/data");
            byte[] f = nfs.create(root, "by-root.txt");
            assertEquals(ExportAccess.NOBODY, uid(s, "by-root.txt"));
            nfs.mkdirHandle(root, "dir-by-root");
            assertEquals(ExportAccess.NOBODY, uid(s, "dir-by-root"));
            Xdr3.SetattrArgs chown = new Xdr3.SetattrArgs();
            chown.fh = f;
            chown.attributes = Xdr3.Sattr.none();
            chown.attributes.uid = 0;
            assertEquals(Nfs3.ERR_PERM, nfs.status(Nfs3.SETATTR, chown), "a squashed root gives nothing to root");
            nfs.rpc.as(1000, 1000);
            nfs.create(root, "by-1000.txt");
            assertEquals(1000, uid(s, "by-1000.txt"));
            assertEquals(Nfs3.ERR_PERM, nfs.status(Nfs3.CREATE, giveTo(root, "given.txt", 0)));
            assertFalse(Files.exists(s.folder.resolve("given.txt")), "refused before it was made");
        }
        try (TestServer s = server(Map.of("nfs.root.squash.data", "false")); NfsClient nfs = s.client()) {
            byte[] root = nfs.mount("/data");
            nfs.create(root, "by-root.txt");
            assertEquals(0, uid(s, "by-root.txt"));
        }
    }

    private static Xdr3.CreateArgs giveTo(byte[] dir, String name, int uid) {
        Xdr3.CreateArgs a = NfsClient.create(dir, name, Nfs3.UNCHECKED);
        a.attributes.uid = uid;
        return a;
    }
}
