package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.junit.jupiter.api.Test;

/** Every NLM and NSM argument type decodes what it encodes, to the same bytes; too-long fields are refused. */
class XdrNlmTest {
    private final Random random = new Random(42);

    private byte[] bytes(int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }

    private String name() {
        return new String(bytes(40), StandardCharsets.ISO_8859_1);
    }

    private XdrNlm.Lock lock() {
        XdrNlm.Lock l = new XdrNlm.Lock();
        l.callerName = name();
        l.fh = bytes(64);
        l.oh = bytes(32);
        l.svid = random.nextInt();
        l.offset = random.nextLong();
        l.length = random.nextLong();
        return l;
    }

    private List<Supplier<Xdr3.Args>> samples() {
        return List.of(() -> {
            XdrNlm.TestArgs a = new XdrNlm.TestArgs();
            a.cookie = bytes(16);
            a.exclusive = random.nextBoolean();
            a.lock = lock();
            return a;
        }, () -> {
            XdrNlm.LockArgs a = new XdrNlm.LockArgs();
            a.cookie = bytes(16);
            a.block = random.nextBoolean();
            a.exclusive = random.nextBoolean();
            a.lock = lock();
            a.reclaim = random.nextBoolean();
            a.state = random.nextInt();
            return a;
        }, () -> {
            XdrNlm.CancelArgs a = new XdrNlm.CancelArgs();
            a.cookie = bytes(16);
            a.block = random.nextBoolean();
            a.exclusive = random.nextBoolean();
            a.lock = lock();
            return a;
        }, () -> {
            XdrNlm.UnlockArgs a = new XdrNlm.UnlockArgs();
            a.cookie = bytes(16);
            a.lock = lock();
            return a;
        }, () -> {
            XdrNlm.ShareArgs a = new XdrNlm.ShareArgs();
            a.cookie = bytes(16);
            a.callerName = name();
            a.fh = bytes(64);
            a.oh = bytes(32);
            a.mode = random.nextInt(4);
            a.access = random.nextInt(4);
            a.reclaim = random.nextBoolean();
            return a;
        }, () -> {
            XdrNlm.NotifyArgs a = new XdrNlm.NotifyArgs();
            a.name = name();
            a.state = random.nextInt();
            return a;
        }, () -> new XdrNlm.Res(bytes(16), random.nextInt(10)), () -> {
            int stat = random.nextBoolean() ? Nlm4.DENIED : Nlm4.GRANTED_OK;
            LockTable.Lock holder = new LockTable.Lock(new LockTable.Owner("", random.nextInt(), bytes(20)),
                    random.nextBoolean(), random.nextLong() & 0xffff, 0x10000L + random.nextInt(1000));
            return new XdrNlm.TestRes(bytes(16), stat, stat == Nlm4.DENIED ? holder : null);
        }, () -> {
            XdrNlm.ShareRes r = new XdrNlm.ShareRes();
            r.cookie = bytes(8);
            r.stat = random.nextInt(10);
            r.sequence = random.nextInt();
            return r;
        }, () -> {
            XdrNlm.Mon m = new XdrNlm.Mon();
            m.id.monName = name();
            m.id.myId.name = name();
            m.id.myId.program = random.nextInt();
            m.id.myId.version = random.nextInt();
            m.id.myId.procedure = random.nextInt();
            m.priv = new byte[Nlm4.SM_PRIV];
            random.nextBytes(m.priv);
            return m;
        }, () -> {
            XdrNlm.StatChange s = new XdrNlm.StatChange(true);
            s.name = name();
            s.state = random.nextInt();
            return s;
        }, () -> {
            XdrNlm.StatChange s = new XdrNlm.StatChange(false);
            s.name = name();
            return s;
        }, () -> {
            XdrNlm.Status s = new XdrNlm.Status();
            s.name = name();
            s.state = random.nextInt();
            random.nextBytes(s.priv);
            return s;
        });
    }

    private static Xdr3.Args fresh(Xdr3.Args a) {
        if (a instanceof XdrNlm.StatChange s) {
            return new XdrNlm.StatChange(s.withState);
        }
        try {
            var c = a.getClass().getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyArgumentTypeRoundTrips() throws Exception {
        for (Supplier<Xdr3.Args> sample : samples()) {
            for (int i = 0; i < 50; i++) {
                Xdr3.Args a = sample.get();
                byte[] once = NfsProgram.bytes(a);
                Xdr in = new Xdr(once);
                in.beginDecoding();
                Xdr3.Args b = fresh(a);
                b.xdrDecode(in);
                assertArrayEquals(once, NfsProgram.bytes(b), a.getClass().getSimpleName());
            }
        }
    }

    @Test
    void aLockDecodesItsFieldsIn64Bits() throws Exception {
        XdrNlm.LockArgs a = new XdrNlm.LockArgs();
        a.lock = lock();
        a.lock.offset = 0xfedc_ba98_7654_3210L;
        a.lock.length = 0;
        Xdr in = new Xdr(NfsProgram.bytes(a));
        in.beginDecoding();
        XdrNlm.LockArgs b = new XdrNlm.LockArgs();
        b.xdrDecode(in);
        assertEquals(0xfedc_ba98_7654_3210L, b.lock.offset);
        assertEquals(LockTable.TO_END, LockTable.end(b.lock.offset, b.lock.length));
        assertEquals(a.lock.owner(), b.lock.owner());
    }

    @Test
    void fieldsLongerThanTheProtocolAllowsAreRefusedBeforeTheyAreRead() throws Exception {
        XdrNlm.UnlockArgs a = new XdrNlm.UnlockArgs();
        a.lock = lock();
        a.lock.callerName = "x".repeat(Nlm4.MAXSTRLEN + 1);
        assertThrows(IOException.class, () -> decode(new XdrNlm.UnlockArgs(), NfsProgram.bytes(a)));
        a.lock.callerName = "x";
        a.lock.oh = new byte[Nlm4.MAXNETOBJ + 1];
        assertThrows(IOException.class, () -> decode(new XdrNlm.UnlockArgs(), NfsProgram.bytes(a)));
        XdrNlm.ShareArgs s = new XdrNlm.ShareArgs();
        s.mode = 4;
        assertThrows(IOException.class, () -> decode(new XdrNlm.ShareArgs(), NfsProgram.bytes(s)), "a share mode out of range");
        byte[] cut = NfsProgram.bytes(a);
        assertThrows(Exception.class, () -> decode(new XdrNlm.UnlockArgs(), java.util.Arrays.copyOf(cut, 12)));
    }

    private static void decode(Xdr3.Args a, byte[] bytes) throws Exception {
        Xdr in = new Xdr(bytes);
        in.beginDecoding();
        a.xdrDecode(in);
    }
}
