package org.hasm.storage.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.Call;
import org.hasm.spi.Export;
import org.hasm.spi.HaContext;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/** A controller's context by hand: the test sets the personalities served and reads the panics. */
final class TestContext implements HaContext {
    record TestPersonality(String name, String home, List<String> volumes) implements Personality {
        @Override
        public List<String> addresses() {
            return List.of("127.0.0.1");
        }

        @Override
        public List<Export> exports(String protocol) {
            return List.of();
        }

        @Override
        public Map<String, String> properties() {
            return Map.of();
        }
    }

    private final String scm;
    volatile List<Personality> personalities = List.of();
    final List<String> panics = new CopyOnWriteArrayList<>();

    TestContext(String scm) {
        this.scm = scm;
    }

    void serve(Personality... p) {
        personalities = List.of(p);
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
        return "storage";
    }

    @Override
    public List<Personality> personalities() {
        return personalities;
    }

    @Override
    public Duration deadline(Call call) {
        return Duration.ofSeconds(10);
    }

    @Override
    public void publish(String event, Map<String, ?> properties) {
        // the storage module posts on its own topic
    }

    @Override
    public void panic(String reason) {
        panics.add(reason);
    }
}
