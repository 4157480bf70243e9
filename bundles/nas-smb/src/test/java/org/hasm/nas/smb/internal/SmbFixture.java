package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.hasm.netif.internal.Observer;
import org.hasm.netif.internal.Readiness;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;
import org.junit.jupiter.api.Assumptions;

/** SPI objects written for these tests, smbclient, and a deadline-polling wait. */
final class SmbFixture {

    /** The NT hash of "password" (MD4 of its UTF-16LE bytes). */
    static final String PASSWORD_HASH = "8846F7EAEE8FB117AD06BDD830B7586C";

    private SmbFixture() {
    }

    /** Samba and smbclient are needed: on CI their absence fails the test, elsewhere it is skipped. */
    static void requireSamba() {
        for (String[] tool : new String[][] {{"smbd", "samba"}, {"pdbedit", "samba-common-bin"},
                {"smbclient", "smbclient"}, {"setpriv", "util-linux"}}) {
            if (Samba.find(tool[0]) == null) {
                String message = tool[0] + " is not installed: apt-get install -y " + tool[1];
                if ("true".equals(System.getenv("CI"))) {
                    fail(message);
                }
                Assumptions.abort(message);
            }
        }
    }

    /** A volume in a temporary folder whose ownership a test controls. */
    static final class TestVolume implements Volume {
        final String name;
        final Path root;
        final AtomicBoolean owned = new AtomicBoolean(true);

        TestVolume(String name, Path root) {
            this.name = name;
            this.root = root;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Path root() {
            return root;
        }

        @Override
        public long epoch() {
            return 1;
        }

        @Override
        public boolean owned() {
            return owned.get();
        }

        @Override
        public void fence() throws FencedException {
            if (!owned.get()) {
                throw new FencedException("volume " + name + " is not owned");
            }
        }
    }

    record TestExport(String name, String volume, String path, boolean readOnly) implements Export {
        @Override
        public String protocol() {
            return "smb";
        }
    }

    record TestPersonality(String name, List<String> addresses, List<String> volumes, List<Export> smb,
            Map<String, String> properties) implements Personality {
        @Override
        public String home() {
            return "scm-" + name.toLowerCase(Locale.ROOT);
        }

        @Override
        public List<Export> exports(String protocol) {
            return "smb".equals(protocol) ? smb : List.of();
        }
    }

    /** hasm-netif's real readiness in loopback mode, told by the test which addresses this SCM serves. */
    static final class LoopbackAddresses implements AutoCloseable {
        final Readiness readiness = new Readiness(new Observer() {
            @Override
            public void event(String topic, Map<String, Object> properties) {
            }

            @Override
            public void log(Level level, String message) {
                System.out.println("[netif] " + level + " " + message);
            }
        });
        final AddressReadiness service = readiness.client("org.hasm.nas.smb");

        LoopbackAddresses(String... addresses) {
            Map<String, String> wanted = new LinkedHashMap<>();
            for (String a : addresses) {
                wanted.put(a, "personality at " + a);
            }
            readiness.serving("scm-t", wanted, wanted.keySet());
        }

        @Override
        public void close() {
            readiness.close();
        }
    }

    /** Records what the core reports. */
    static final class RecordingEvents implements Events {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void info(String message) {
            System.out.println("[nas-smb] " + message);
        }

        @Override
        public void warn(String message) {
            System.out.println("[nas-smb] WARN " + message);
        }

        @Override
        public void publish(String event, Map<String, ?> properties) {
            events.add(event + " " + new java.util.TreeMap<>(properties));
        }

        boolean has(String prefix) {
            synchronized (events) {
                return events.stream().anyMatch(e -> e.startsWith(prefix));
            }
        }
    }

    /** @return a port free on {@code address} now */
    static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    /** Runs smbclient against a share, SMB3; @return its exit code and output */
    static Commands.Result smbclient(String address, int port, String share, String user, String commands)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("smbclient", "//" + address + "/" + share, "-p", Integer.toString(port),
                "-m", "SMB3"));
        if (user == null) {
            cmd.add("-N");
        } else {
            cmd.addAll(List.of("-U", user));
        }
        cmd.addAll(List.of("-c", commands));
        return Commands.run(cmd, null, 30_000);
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with {@code state} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // bounded by the deadline
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for " + what + ": " + state.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            if (Thread.interrupted()) {
                fail("interrupted waiting for " + what);
            }
        }
    }
}
