package org.hasm.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.Personality;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.storage.VolumeManager;

/**
 * The lifecycle contract of {@link HaModule}, checked from a module's own JUnit tests: no pair, no
 * framework. A run gives the module a context, two personalities with loopback addresses of their own
 * (A, this SCM's, and B, the peer's), a volume each on a temporary folder, and hasm's address readiness
 * and volume manager for them; it then drives
 * <ol>
 * <li><b>the life of one instance</b>: {@code init} → {@code test} → {@code opMode(MASTER, DAC)} (serve A) →
 * {@code opMode(MASTER, DEGRADED)} (take B over) → {@code opMode(MASTER, DAC)} (give B back) →
 * {@code stop} → {@code shutDown}, every call but {@code init} made twice in a row to check that it is
 * idempotent;</li>
 * <li><b>a hot replace</b>: a new instance brought up after the old one's {@code stop} and
 * {@code shutDown}, as when its bundle is updated;</li>
 * <li><b>a fenced volume</b>: a third instance serves A, then the peer takes A's volume over (its
 * {@code fence()} refuses from then on); nothing on the volume may change after that.</li>
 * </ol>
 * and reports every violation by name ({@link Violation.Kind}): a call that fails, one that is not
 * idempotent, one past its deadline, an address and port still held after its personality was given
 * away or after {@code stop} (the kit binds them), a socket on a personality's address before any
 * {@code opMode}, a write on a fenced volume, a hot replace that does not come up, a personality the
 * given {@link Client} cannot use while it is served.
 *
 * <pre>
 * &#64;Test
 * void keepsTheLifecycleContract() {
 *     int port = ContractKit.freePort();
 *     ContractKit.forModule("hello", kit -&gt; new HelloService(kit.readiness()))
 *             .property("hello.port", Integer.toString(port))
 *             .client(p -&gt; HelloClient.ask(p.addresses().get(0), port))
 *             .run()
 *             .assertNoViolations();
 * }
 * </pre>
 *
 * <p>The sockets a module holds on a personality's address are read from {@code /proc/net} (Linux); on
 * another system only the ports given with {@link #ports(int...)} are checked, and the report says so.
 * A run takes a few hundred milliseconds for a module that answers at once; each call may take up to
 * its deadline (10 s by default, as the controller's).
 */
public final class ContractKit {

    /** What the kit offers the module it creates, in place of hasm's services. */
    public interface Kit {
        /** @return hasm's address readiness for the run's personalities (loopback: usable once a bind succeeds) */
        AddressReadiness readiness();

        /** @return hasm's volume manager for the run's volumes: a personality's volume is owned while it is served */
        VolumeManager volumes();

        /** @return a folder of the run for the module's own files (a data folder), removed after the run */
        Path folder();
    }

    /** Creates a new instance of the module; called once per scenario. */
    @FunctionalInterface
    public interface ModuleFactory {
        /**
         * @param kit what hasm would give the module
         * @return a new instance
         * @throws Exception if it cannot be created (reported as a failed call)
         */
        HaModule create(Kit kit) throws Exception;
    }

    /** What a client of the module does once with a personality: a request it expects to succeed. */
    @FunctionalInterface
    public interface Client {
        /**
         * @param personality a personality the module serves now
         * @throws Exception if the personality cannot be used (the kit tries again until the call's deadline)
         */
        void use(Personality personality) throws Exception;
    }

    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    final String module;
    final ModuleFactory factory;
    final Map<String, String> properties = new LinkedHashMap<>();
    final List<String[]> exports = new ArrayList<>();
    final Map<Call, Duration> deadlines = new EnumMap<>(Call.class);
    final List<Integer> ports = new ArrayList<>();
    Client client;
    Duration fenceLag = Duration.ZERO;

    private ContractKit(String module, ModuleFactory factory) {
        this.module = module;
        this.factory = factory;
        for (Call c : Call.values()) {
            deadlines.put(c, DEFAULT_DEADLINE);
        }
    }

    /**
     * @param module the module's name ({@code hasm.module.name}), as its context says it
     * @param factory creates an instance of the module
     * @return a kit for it
     * @throws IllegalArgumentException if the name is not a module name
     */
    public static ContractKit forModule(String module, ModuleFactory factory) {
        if (module == null || !module.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("'" + module + "' is not a module name (letters, digits, '_' and '-')");
        }
        return new ContractKit(module, Objects.requireNonNull(factory, "factory"));
    }

    /**
     * A property of both personalities ({@link Personality#properties()}), such as the port to listen on.
     *
     * @return this kit
     */
    public ContractKit property(String key, String value) {
        properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * An export on each personality's volume ({@code export.<protocol>.<name>=<volume>:<path>}); the
     * folder is created, writable by every user (a file service may write as a squashed user).
     *
     * @return this kit
     */
    public ContractKit export(String protocol, String name, String path) {
        exports.add(new String[] {protocol, name, path});
        return this;
    }

    /** @return this kit, every call's deadline set to {@code deadline} */
    public ContractKit deadline(Duration deadline) {
        for (Call c : Call.values()) {
            deadline(c, deadline);
        }
        return this;
    }

    /** @return this kit, the deadline of {@code call} set ({@code HaContext.deadline(call)} says it) */
    public ContractKit deadline(Call call, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline of " + call + " must be positive: " + deadline);
        }
        deadlines.put(call, deadline);
        return this;
    }

    /**
     * Ports the module listens on (TCP) at each address of a personality it serves: checked free after it
     * gives the personality away, besides what {@code /proc/net} shows.
     *
     * @return this kit
     */
    public ContractKit ports(int... list) {
        for (int p : list) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException(p + " is not a port (1..65535)");
            }
            ports.add(p);
        }
        return this;
    }

    /**
     * A client: used on each personality after every {@code opMode} that serves it (retried until the
     * call's deadline: a module may open a personality once its address is usable), and once after the
     * volume was fenced, where what it tries must change nothing.
     *
     * @return this kit
     */
    public ContractKit client(Client c) {
        this.client = Objects.requireNonNull(c, "client");
        return this;
    }

    /**
     * For a service whose server runs outside the JVM and writes to the volume itself (smbd): how long after
     * its SCM lost a volume the server may still write, until the SCM's supervision stops it. hasm lets the
     * peer take a volume over only after the storage lease ran out, which must be longer (the SMB service's
     * watchdog is half the lease). The fenced-volume scenario then waits this long before it looks: the
     * client's request after the lag, and anything written after it, are the violation. Default: none, for a
     * service that proves ownership with {@code Volume.fence()} before each write.
     *
     * @return this kit
     */
    public ContractKit fenceLag(Duration lag) {
        if (lag.isNegative() || lag.compareTo(DEFAULT_DEADLINE) > 0) {
            throw new IllegalArgumentException("fence lag must be 0.." + DEFAULT_DEADLINE.toSeconds() + " s: " + lag);
        }
        this.fenceLag = lag;
        return this;
    }

    /** @return what the run found; never throws for what the module does */
    public ContractReport run() {
        try (ContractRun r = new ContractRun(this)) {
            r.all();
            return r.report();
        }
    }

    /** Runs the kit and asserts that it found no violation. */
    public void assertPasses() {
        run().assertNoViolations();
    }

    /**
     * @return a TCP port free on loopback now, for the module to listen on in a run (each personality has
     *     its own address, so both use the same port)
     */
    public static int freePort() {
        for (int i = 0; i < 100; i++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 60_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException e) {
                // taken: another
            }
        }
        throw new IllegalStateException("no free port found on loopback in 100 tries");
    }

    static Path createTempFolder() {
        try {
            return Files.createTempDirectory("hasm-contract-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the run's temporary folder: " + e.getMessage(), e);
        }
    }
}
