package org.hasm.storage.internal.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.config.Typed;
import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

/**
 * Every fence agent is registered on every SCM, but an SCM uses one: an agent nobody configured has
 * nothing to warn about, while one configured with a value it cannot use says so.
 */
class AgentWarningsTest {

    /** @return a Logger that records "level message" for every call with a message */
    private static Logger recording(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String message) {
                        lines.add(method.getName() + " " + message);
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
    }

    @Test
    void anAgentThatIsNotConfiguredDoesNotWarnAndAWronglyConfiguredOneDoes() {
        List<String> lines = new CopyOnWriteArrayList<>();
        NetnsAgent netns = new NetnsAgent();
        netns.log = recording(lines);
        netns.activate(config(Map.of()));
        ProcessAgent process = new ProcessAgent();
        process.log = recording(lines);
        process.activate(config(Map.of()));
        assertEquals(List.of(), lines.stream().filter(l -> l.startsWith("warn")).toList(), lines::toString);

        process.activate(config(Map.of(FenceAgents.PIDFILE, "relative/hasm.pid")));
        netns.activate(config(Map.of(FenceAgents.COMMAND, "ip netns exec 'unclosed")));
        List<String> warnings = lines.stream().filter(l -> l.startsWith("warn")).toList();
        assertEquals(2, warnings.size(), lines::toString);
        assertTrue(warnings.get(0).contains(FenceAgents.PIDFILE + "=relative/hasm.pid is not an absolute path"),
                warnings::toString);
        assertTrue(warnings.get(1).contains(FenceAgents.COMMAND), warnings::toString);
    }

    /** The configuration as Declarative Services hands it over: a missing key gives the default. */
    private static FenceConfig config(Map<String, String> p) {
        return Typed.of(FenceConfig.class, p);
    }
}
