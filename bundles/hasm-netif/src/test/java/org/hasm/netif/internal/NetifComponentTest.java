package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.netif.internal.Fakes.Context;
import org.hasm.netif.internal.Fakes.Pers;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.address.AddressReadiness;
import org.hasm.spi.address.AddressWait;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/**
 * The OSGi shell without a framework: the fields DS would inject are set by hand, and the bundle
 * context only records the service the component registers.
 */
class NetifComponentTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Context context = new Context();
    private final List<NetifComponent> active = new ArrayList<>();
    /** The address readiness service factory the last component registered, and whether it was unregistered. */
    private ServiceFactory<AddressReadiness> readinessFactory;
    private boolean readinessUnregistered;

    @AfterEach
    void deactivate() {
        active.forEach(NetifComponent::deactivate);
    }

    private NetifComponent component(Map<String, Object> config) throws ReflectiveOperationException {
        NetifComponent c = new NetifComponent();
        inject(c, "log", Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> method.getReturnType() == boolean.class ? false : null));
        inject(c, "eventAdmin", new EventAdmin() {
            @Override
            public void postEvent(Event event) {
                events.add(event);
            }

            @Override
            public void sendEvent(Event event) {
                events.add(event);
            }
        });
        c.activate(bundleContext(), Configs.config(config));
        active.add(c);
        return c;
    }

    @SuppressWarnings("unchecked")
    private BundleContext bundleContext() {
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(
                ServiceRegistration.class.getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("unregister")) {
                        readinessUnregistered = true;
                    }
                    return null;
                });
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("registerService") && args[0] == AddressReadiness.class) {
                        readinessFactory = (ServiceFactory<AddressReadiness>) args[1];
                        return registration;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A bundle as the framework shows it to the service factory: only its name is read. */
    private static Bundle bundle(String symbolicName) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getSymbolicName")) {
                        return symbolicName;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static void inject(Object target, String field, Object value) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value);
    }

    @Test
    void invalidConfigurationFailsInitNamingTheProperty() throws Exception {
        NetifComponent c = component(Map.of("mode", "linux", "prefix", "40"));
        HaException e = assertThrows(HaException.class, () -> c.init(context));
        assertTrue(e.getMessage().contains("device: is not set"), e.getMessage());
        assertTrue(e.getMessage().contains("prefix: '40' is out of range"), e.getMessage());
    }

    @Test
    void aRejectedUpdateKeepsTheLastGoodConfiguration() throws Exception {
        NetifComponent c = component(Map.of());
        c.modified(Configs.config(Map.of("mode", "nonsense")));
        c.init(context); // still loopback
        c.shutDown();
    }

    @Test
    void loopbackLifecycleWithFailoverAndFailback() throws Exception {
        NetifComponent c = component(Map.of());
        c.init(context);
        c.test();
        context.personalities = List.of(Pers.of("alpha", "scm-a", "127.0.10.1"));
        c.opMode(OpMode.MASTER, SysConfig.DAC);
        context.personalities = List.of(Pers.of("alpha", "scm-a", "127.0.10.1"), Pers.of("beta", "scm-b", "127.0.20.1"));
        c.opMode(OpMode.MASTER, SysConfig.DEGRADED);
        context.personalities = List.of(Pers.of("alpha", "scm-a", "127.0.10.1"));
        c.opMode(OpMode.MASTER, SysConfig.DAC);
        c.stop();
        c.shutDown();
        assertEquals(List.of("127.0.10.1 up", "127.0.20.1 up", "127.0.20.1 down", "127.0.10.1 down"),
                events.stream().map(e -> e.getProperty("address") + " " + e.getProperty("action")).toList());
        assertTrue(events.stream().allMatch(e -> e.getTopic().equals("org/hasm/netif/ADDRESS")
                && "scm-a".equals(e.getProperty("scm"))));
    }

    @Test
    void loopbackModeFailsOpModeForARealAddress() throws Exception {
        NetifComponent c = component(Map.of());
        c.init(context);
        context.personalities = List.of(Pers.of("alpha", "scm-a", "198.51.100.100"));
        HaException e = assertThrows(HaException.class, () -> c.opMode(OpMode.MASTER, SysConfig.DAC));
        assertTrue(e.getMessage().contains("198.51.100.100") && e.getMessage().contains("loopback"), e.getMessage());
        c.shutDown();
    }

    @Test
    void loopbackModeFailsInitForARealAddressAlreadyKnown() throws Exception {
        NetifComponent c = component(Map.of("mode", "loopback"));
        context.personalities = List.of(Pers.of("alpha", "scm-a", "10.0.0.5"));
        HaException e = assertThrows(HaException.class, () -> c.init(context));
        assertTrue(e.getMessage().contains("10.0.0.5"), e.getMessage());
    }

    @Test
    void servicesLearnWhenATakenOverAddressIsUsableAndWhenItIsGivenBack() throws Exception {
        NetifComponent c = component(Map.of());
        Bundle service = bundle("org.example.service");
        AddressReadiness readiness = readinessFactory.getService(service, null);
        Pers alpha = Pers.of("alpha", "scm-a", "127.0.10.1");
        Pers beta = Pers.of("beta", "scm-b", "127.0.20.1");
        c.init(context);
        context.personalities = List.of(alpha);
        c.opMode(OpMode.MASTER, SysConfig.DAC);
        assertEquals(AddressWait.State.USABLE, readiness.whenUsable(alpha, 0).state());
        AddressWait notOurs = readiness.whenUsable(beta, 0);
        assertEquals(AddressWait.State.CANCELLED, notOurs.state(), "beta is the peer's: " + notOurs);

        try (ServerSocket pausedOwner = new ServerSocket()) {
            pausedOwner.bind(new InetSocketAddress("127.0.20.1", 0));
            int port = pausedOwner.getLocalPort();
            context.personalities = List.of(alpha, beta);
            c.opMode(OpMode.MASTER, SysConfig.DEGRADED); // FAILOVER: beta's address is ours, its port still held
            AddressWait takeover = readiness.whenUsable(beta, port);
            assertEquals(AddressWait.State.WAITING, takeover.state());
            pausedOwner.close();
            Await.until("beta's port to be usable once its holder let go",
                    () -> takeover.state() == AddressWait.State.USABLE, takeover::toString);
        }
        try (ServerSocket pausedOwner = new ServerSocket()) {
            pausedOwner.bind(new InetSocketAddress("127.0.20.1", 0));
            AddressWait again = readiness.whenUsable(beta, pausedOwner.getLocalPort());
            AddressWait other = readinessFactory.getService(bundle("org.example.other"), null)
                    .whenUsable(beta, pausedOwner.getLocalPort());
            context.personalities = List.of(alpha);
            c.opMode(OpMode.MASTER, SysConfig.DAC); // FAILBACK: beta handed back while they wait
            Await.until("the waits for beta to be cancelled", () -> again.state() == AddressWait.State.CANCELLED
                    && other.state() == AddressWait.State.CANCELLED, () -> again + ", " + other);
            CompletionException e = assertThrows(CompletionException.class,
                    () -> again.usable().toCompletableFuture().join());
            assertTrue(e.getCause() instanceof CancellationException
                    && e.getCause().getMessage().contains("no longer served"), e.getCause().toString());
        }

        // the bundle lets the service go: what it still waits for is cancelled
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.10.1", 0));
            AddressWait left = readiness.whenUsable(alpha, taken.getLocalPort());
            assertEquals(AddressWait.State.WAITING, left.state());
            readinessFactory.ungetService(service, null, readiness);
            assertEquals(AddressWait.State.CANCELLED, left.state());
        }
        List<String> waitEvents = events.stream().filter(e -> e.getTopic().equals(AddressReadiness.TOPIC_WAIT))
                .map(e -> e.getProperty("bundle") + " " + e.getProperty("personality") + " " + e.getProperty("state"))
                .toList();
        assertEquals(List.of("org.example.service beta waiting", "org.example.service beta usable",
                "org.example.service beta waiting", "org.example.other beta waiting",
                "org.example.service beta cancelled", "org.example.other beta cancelled",
                "org.example.service alpha waiting", "org.example.service alpha cancelled"), waitEvents);
        c.shutDown();
        c.deactivate();
        active.remove(c);
        assertTrue(readinessUnregistered);
    }

    @Test
    void callsBeforeInitFail() throws Exception {
        NetifComponent c = component(Map.of());
        assertThrows(HaException.class, () -> c.opMode(OpMode.MASTER, SysConfig.DAC));
        c.stop(); // nothing up: nothing to do
        c.shutDown();
    }
}
