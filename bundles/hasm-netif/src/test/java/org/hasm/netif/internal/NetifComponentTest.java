package org.hasm.netif.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.netif.internal.Fakes.Context;
import org.hasm.netif.internal.Fakes.Pers;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;

/** The OSGi shell without a framework: the fields DS would inject are set by hand. */
class NetifComponentTest {
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Context context = new Context();

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
        c.activate(Configs.config(config));
        return c;
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
    void callsBeforeInitFail() throws Exception {
        NetifComponent c = component(Map.of());
        assertThrows(HaException.class, () -> c.opMode(OpMode.MASTER, SysConfig.DAC));
        c.stop(); // nothing up: nothing to do
        c.shutDown();
    }
}
