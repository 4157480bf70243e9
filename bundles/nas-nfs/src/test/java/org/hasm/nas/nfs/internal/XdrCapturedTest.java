package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.junit.jupiter.api.Test;

/**
 * The hand-written XDR types against calls libnfs really made (captured by {@link CaptureCalls}
 * through {@link RecordingProxy}): each decodes to what the client meant and encodes back to the
 * very same bytes.
 */
class XdrCapturedTest {

    /** The call's arguments, after the RPC header and the credential and verifier. */
    private static Xdr args(String fixture) throws IOException {
        byte[] call;
        try (InputStream in = XdrCapturedTest.class.getResourceAsStream("calls/" + fixture + ".bin")) {
            assertNotNull(in, "fixture " + fixture);
            call = in.readAllBytes();
        }
        Xdr x = new Xdr(call);
        x.beginDecoding();
        x.xdrDecodeInt(); // xid
        assertEquals(0, x.xdrDecodeInt(), "a CALL");
        assertEquals(2, x.xdrDecodeInt(), "RPC version 2");
        x.xdrDecodeInt(); // program
        x.xdrDecodeInt(); // version
        x.xdrDecodeInt(); // procedure
        x.xdrDecodeInt(); // credential flavor
        x.xdrDecodeDynamicOpaque();
        x.xdrDecodeInt(); // verifier flavor
        x.xdrDecodeDynamicOpaque();
        return x;
    }

    private static <T extends Xdr3.Args> T roundTrip(String fixture, Supplier<T> type) throws IOException {
        Xdr x = args(fixture);
        byte[] original = remaining(fixture);
        T decoded = type.get();
        decoded.xdrDecode(x);
        assertFalse(x.hasMoreData(), fixture + ": every byte of the call decoded");
        assertArrayEquals(original, NfsProgram.bytes(decoded), fixture + ": encodes back to the client's bytes");
        return decoded;
    }

    /** The argument bytes of a fixture exactly as captured. */
    private static byte[] remaining(String fixture) throws IOException {
        byte[] call;
        try (InputStream in = XdrCapturedTest.class.getResourceAsStream("calls/" + fixture + ".bin")) {
            call = in.readAllBytes();
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(call);
        b.position(24);
        for (int i = 0; i < 2; i++) { // credential, then verifier: flavor and opaque body
            b.getInt();
            int length = b.getInt();
            b.position(b.position() + (length + 3) / 4 * 4);
        }
        return Arrays.copyOfRange(call, b.position(), call.length);
    }

    private static final Handles HANDLES = new Handles(HandleKeys.hmac(TestServer.KEY));

    @Test
    void mountOfAnExportPath() throws Exception {
        Xdr3.MountArgs a = roundTrip("100005-3-1", Xdr3.MountArgs::new);
        assertEquals("/data", new String(a.path, StandardCharsets.UTF_8));
    }

    @Test
    void handleCallsCarryAHandleTheServerMade() throws Exception {
        for (String f : new String[] {"100003-3-1", "100003-3-19"}) {
            Xdr3.HandleArgs a = roundTrip(f, Xdr3.HandleArgs::new);
            assertEquals(Handles.exportId("A", "data"), HANDLES.decode(a.fh).export(), f);
        }
    }

    @Test
    void lookupAndAccess() throws Exception {
        Xdr3.DirOpArgs lookup = roundTrip("100003-3-3", Xdr3.DirOpArgs::new);
        assertEquals(Handles.LENGTH, lookup.dir.length);
        assertFalse(new String(lookup.name, StandardCharsets.UTF_8).isEmpty());
        Xdr3.AccessArgs access = roundTrip("100003-3-4", Xdr3.AccessArgs::new);
        assertEquals(0, access.access & ~0x3f, "only the six ACCESS bits");
    }

    @Test
    void readWriteCommit() throws Exception {
        Xdr3.RangeArgs read = roundTrip("100003-3-6", Xdr3.RangeArgs::new);
        assertEquals(0, read.offset);
        Xdr3.WriteArgs write = roundTrip("100003-3-7", Xdr3.WriteArgs::new);
        assertEquals(3_000, write.count);
        assertEquals(3_000, write.data.remaining());
        roundTrip("100003-3-21", Xdr3.RangeArgs::new);
    }

    @Test
    void createSetattrReaddirplus() throws Exception {
        Xdr3.CreateArgs create = roundTrip("100003-3-8", Xdr3.CreateArgs::new);
        assertEquals("up.bin", new String(create.name, StandardCharsets.UTF_8));
        roundTrip("100003-3-2", Xdr3.SetattrArgs::new);
        Xdr3.ReaddirArgs rd = roundTrip("100003-3-17", () -> new Xdr3.ReaddirArgs(true));
        assertEquals(0, rd.cookie);
    }

    @Test
    void truncatedArgumentsAreRefused() throws Exception {
        byte[] whole = remaining("100003-3-8");
        Xdr x = new Xdr(Arrays.copyOf(whole, whole.length - 8));
        x.beginDecoding();
        assertThrows(IOException.class, () -> new Xdr3.CreateArgs().xdrDecode(x));
    }

    @Test
    void anOverlongHandleIsRefusedBeforeItIsRead() throws Exception {
        Xdr x = new Xdr(256);
        x.beginEncoding();
        x.xdrEncodeDynamicOpaque(new byte[65]);
        x.endEncoding();
        Xdr in = new Xdr(x.getBytes());
        in.beginDecoding();
        assertThrows(IOException.class, () -> new Xdr3.HandleArgs().xdrDecode(in));
    }
}
