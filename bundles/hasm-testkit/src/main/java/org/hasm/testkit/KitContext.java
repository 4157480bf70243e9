package org.hasm.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.hasm.spi.Call;
import org.hasm.spi.HaContext;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/** The context of one instance of the module in a kit run, as the controller gives it. Safe from any thread. */
final class KitContext implements HaContext {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");

    private final String scm;
    private final String module;
    private final Map<Call, Duration> deadlines;
    private volatile List<Personality> personalities = List.of();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> panics = new CopyOnWriteArrayList<>();

    KitContext(String scm, String module, Map<Call, Duration> deadlines) {
        this.scm = scm;
        this.module = module;
        this.deadlines = Map.copyOf(deadlines);
    }

    @Override
    public String scm() {
        return scm;
    }

    @Override
    public OpMode configuredRole() {
        return OpMode.MASTER;
    }

    @Override
    public String moduleName() {
        return module;
    }

    @Override
    public List<Personality> personalities() {
        return personalities;
    }

    void serve(List<Personality> now) {
        personalities = List.copyOf(now);
    }

    @Override
    public Duration deadline(Call call) {
        return deadlines.get(call);
    }

    @Override
    public void publish(String event, Map<String, ?> properties) {
        if (event == null || !TOKEN.matcher(event).matches()) {
            throw new IllegalArgumentException("'" + event + "' is not an event name (letters, digits, '_' and '-')");
        }
        events.add(EVENT_TOPIC_PREFIX + module + "/" + event + " " + properties);
    }

    @Override
    public void panic(String reason) {
        panics.add(reason);
    }

    List<String> events() {
        return events;
    }

    List<String> panics() {
        return panics;
    }
}
