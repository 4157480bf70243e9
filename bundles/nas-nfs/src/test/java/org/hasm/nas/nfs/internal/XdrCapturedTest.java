package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(3_000, write.length());
        roundTrip("100003-3-21", Xdr3.RangeArgs::new);
    }

    /**
     * A 1 MiB WRITE arrives in pieces (the transport reads what the socket holds): its data is decoded
     * as views of those pieces, in order, without a copy, and what follows it in the record still reads.
     */
    @Test
    void writeDataReadInPiecesIsDecodedAsViewsOfThem() throws Exception {
        byte[] data = new byte[Nfs3.MAX_IO - 3];
        new java.util.Random(3).nextBytes(data);
        byte[] args = NfsProgram.bytes(NfsClient.writeArgs(new byte[Handles.LENGTH], 4096, data, NfsClient.FILE_SYNC));
        byte[] record = Arrays.copyOf(args, args.length + 4);
        record[record.length - 1] = 42; // a word after the arguments
        int[] cuts = {0, 17, 60_000, 60_001, 700_000, record.length};
        org.glassfish.grizzly.Buffer[] pieces = new org.glassfish.grizzly.Buffer[cuts.length - 1];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = org.glassfish.grizzly.memory.Buffers.wrap(null, Arrays.copyOfRange(record, cuts[i], cuts[i + 1]));
        }
        Xdr x = new Xdr(org.glassfish.grizzly.memory.BuffersBuffer.create(null, pieces));
        x.beginDecoding();
        Xdr3.WriteArgs w = new Xdr3.WriteArgs();
        w.xdrDecode(x);
        assertEquals(data.length, w.length());
        assertEquals(4, w.data.length, "one view per piece the data lies in");
        java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate(data.length);
        for (java.nio.ByteBuffer b : w.first(data.length)) {
            all.put(b);
        }
        assertArrayEquals(data, all.array());
        assertEquals(42, x.xdrDecodeInt(), "the padding is skipped");
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(100);
        for (java.nio.ByteBuffer b : w.first(100)) {
            head.put(b);
        }
        assertArrayEquals(Arrays.copyOf(data, 100), head.array());
    }

    @Test
    void writeDataLongerThanTheRecordIsRefused() throws Exception {
        byte[] args = NfsProgram.bytes(NfsClient.writeArgs(new byte[Handles.LENGTH], 0, new byte[1000], NfsClient.UNSTABLE));
        Xdr x = new Xdr(org.glassfish.grizzly.memory.Buffers.wrap(null, Arrays.copyOf(args, args.length - 500)));
        x.beginDecoding();
        IOException e = assertThrows(IOException.class, () -> new Xdr3.WriteArgs().xdrDecode(x));
        assertTrue(e.getMessage().contains("write data of 1000 bytes"), e.getMessage());
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
