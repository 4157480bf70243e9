package org.hasm.controller.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/** The {@link HaContext} of one module incarnation; dead after its shutDown. */
final class ModuleContext implements HaContext {
    private final ContextHost host;
    private final ModuleEntry entry;
    private final String name;
    private volatile boolean valid = true;

    ModuleContext(ContextHost host, ModuleEntry entry) {
        this.host = host;
        this.entry = entry;
        this.name = entry.name();
    }

    void invalidate() {
        valid = false;
    }

    @Override
    public String scm() {
        return host.settings().scm();
    }

    @Override
    public OpMode configuredRole() {
        return host.settings().role();
    }

    @Override
    public String moduleName() {
        return name;
    }

    @Override
    public List<Personality> personalities() {
        return entry.personalities;
    }

    @Override
    public Duration deadline(Call call) {
        return host.settings().deadline(entry.properties, call);
    }

    @Override
    public void publish(String event, Map<String, ?> properties) {
        if (event == null || !ModuleProperties.NAME.matcher(event).matches()) {
            throw new IllegalArgumentException("event '" + event + "' of module " + name
                    + " is not a topic token: use letters, digits, '_' and '-'");
        }
        if (!valid) {
            host.sink().warn("module " + name + " published " + event + " after its shutDown: dropped");
            return;
        }
        Map<String, Object> props = new HashMap<>(properties == null ? Map.of() : properties);
        props.put("scm", scm());
        props.put("module", name);
        host.sink().post(EVENT_TOPIC_PREFIX + name + "/" + event, props);
    }

    @Override
    public void panic(String reason) {
        if (!valid) {
            host.sink().warn("module " + name + " panicked after its shutDown: " + reason);
            return;
        }
        host.panic(entry, this, reason);
    }
}
