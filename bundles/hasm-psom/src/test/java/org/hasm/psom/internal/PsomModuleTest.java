package org.hasm.psom.internal;

import static org.hasm.psom.internal.Cores.put;
import static org.hasm.psom.internal.Cores.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedObjectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

class PsomModuleTest {
    @TempDir
    Path data;

    private final List<PsomModule> modules = new ArrayList<>();
    private final List<String> logged = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void shutDown() {
        modules.forEach(PsomModule::shutDown);
    }

    private static PsomConfig config(long writeTimeoutMs, long tombstoneLifetimeMs) {
        return new PsomConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return PsomConfig.class;
            }

            @Override
            public long request_timeout_ms() {
                return 2000;
            }

            @Override
            public long write_timeout_ms() {
                return writeTimeoutMs;
            }

            @Override
            public long tombstone_lifetime_ms() {
                return tombstoneLifetimeMs;
            }
        };
    }

    @Test
    void aTombstoneLifetimeTooShortToOutlastAWriteInFlightIsAProblemNamingTheProperty() {
        assertNull(PsomModule.problem(config(5000, 600_000)));
        String p = PsomModule.problem(config(5000, 59_999));
        assertTrue(p != null && p.contains("tombstone.lifetime.ms=59999"), p);
        p = PsomModule.problem(config(30_000, 200_000));
        assertTrue(p != null && p.contains("write.timeout.ms=30000") && p.contains("300000"), p);
        p = PsomModule.problem(config(1000, 600_000)); // requests of 2000 ms in writes of at most 1000
        assertTrue(p != null && p.contains("request.timeout.ms=2000 is longer than write.timeout.ms=1000"), p);
    }

    @Test
    void aSlaveHeldDeadAMomentInDacIsResynchronisedOnceSeenServingAgain() throws Exception {
        AtomicReference<PsomModule> toA = new AtomicReference<>();
        AtomicReference<PsomModule> toB = new AtomicReference<>();
        PsomModule a = module("scm-a", "scm-b", toB);
        PsomModule b = module("scm-b", "scm-a", toA);
        toA.set(a);
        toB.set(b);
        a.opMode(OpMode.MASTER, SysConfig.DAC);
        b.opMode(OpMode.SLAVE, SysConfig.DAC);
        Psom master = a.core();
        Psom slave = b.core();
        master.create("o", Persistence.PERSISTENT);
        put(master, "o", "before");
        assertEquals("before", value(slave, "o"));

        a.peerChanged(peer(false)); // a "dead" verdict a moment; the controller keeps the pair in DAC
        put(master, "o", "while dead");
        assertEquals("before", value(slave, "o"), "not sent to a peer held dead");
        a.peerChanged(peer(true)); // heard again, still serving as SLAVE in DAC: no opMode comes

        Await.until("scm-b resynchronised, a replica again", Duration.ofSeconds(20),
                () -> master.peerReplica() && "while dead".equals(read(slave)),
                () -> read(slave) + ", replica " + master.peerReplica() + "; " + logged);
        put(master, "o", "after");
        assertEquals("after", value(slave, "o"), "replicated before the write returned");
    }

    private static String read(Psom p) {
        try {
            return value(p, "o");
        } catch (SharedObjectException e) {
            return e.toString();
        }
    }

    /** A module outside a framework, its references set as DS would; its link calls {@code other}'s handler. */
    private PsomModule module(String scm, String peer, AtomicReference<PsomModule> other) throws Exception {
        PsomModule m = new PsomModule();
        set(m, "log", proxy(Logger.class, (p, method, args) -> {
            if (method.getReturnType() == boolean.class) {
                return false;
            }
            if (args != null && args.length > 0 && args[0] instanceof String message) {
                logged.add(scm + ": " + message);
            }
            return null;
        }));
        set(m, "node", proxy(Node.class, (p, method, args) -> switch (method.getName()) {
            case "scm" -> scm;
            case "peer" -> peer;
            case "dataDir" -> data.resolve(scm);
            default -> throw new UnsupportedOperationException(method.getName());
        }));
        set(m, "link", proxy(PeerLink.class, (p, method, args) -> switch (method.getName()) {
            case "request" -> other.get().handle((byte[]) args[1]);
            case "send" -> {
                other.get().handle((byte[]) args[1]); // a one-way message: the answer is dropped
                yield null;
            }
            default -> throw new UnsupportedOperationException(method.getName());
        }));
        m.activate(config(5000, 600_000));
        m.init(null);
        modules.add(m);
        return m;
    }

    private static PeerView peer(boolean alive) {
        return new PeerView() {
            @Override
            public String scm() {
                return "scm-b";
            }

            @Override
            public boolean alive() {
                return alive;
            }

            @Override
            public ScmState state() {
                return ScmState.DAC;
            }

            @Override
            public OpMode opMode() {
                return OpMode.SLAVE;
            }

            @Override
            public OpMode configuredRole() {
                return OpMode.SLAVE;
            }

            @Override
            public long incarnation() {
                return 7;
            }

            @Override
            public Instant lastHeard() {
                return Instant.now();
            }
        };
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static void set(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }
}
