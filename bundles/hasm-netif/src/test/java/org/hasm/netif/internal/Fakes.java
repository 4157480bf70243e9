package org.hasm.netif.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.Call;
import org.hasm.spi.Export;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaException;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;

/** Small stand-ins for the SPI and the drivers, shared by the tests. */
final class Fakes {
    private Fakes() {
    }

    record Pers(String name, String home, List<String> addresses) implements Personality {
        static Pers of(String name, String home, String... addresses) {
            return new Pers(name, home, List.of(addresses));
        }

        @Override
        public List<String> volumes() {
            return List.of();
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

    /** Collects events and log lines. */
    static final class Recorder implements Observer {
        record Ev(String topic, Map<String, Object> properties) {
            Object get(String key) {
                return properties.get(key);
            }
        }

        final List<Ev> events = new CopyOnWriteArrayList<>();
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void event(String topic, Map<String, Object> properties) {
            events.add(new Ev(topic, Map.copyOf(properties)));
        }

        @Override
        public void log(Observer.Level level, String message) {
            lines.add(level + " " + message);
        }

        List<String> steps() {
            List<String> steps = new ArrayList<>();
            for (Ev e : events) {
                steps.add(e.topic().substring(e.topic().lastIndexOf('/') + 1) + " " + e.get("address")
                        + (e.get("action") == null ? "" : " " + e.get("action")));
            }
            return steps;
        }
    }

    /**
     * A driver that records the calls, with loopback's acceptance rules relaxed to any address,
     * addresses "configured by hand", duplicates elsewhere and failures on demand.
     */
    static final class ScriptedDriver implements Driver {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final Set<String> byHand = new HashSet<>();
        final Map<String, String> elsewhere = new java.util.concurrent.ConcurrentHashMap<>();
        final Set<String> failDown = new HashSet<>();
        /** Addresses whose next downs fail, and how many more times. */
        final Map<String, Integer> failDownTimes = new java.util.concurrent.ConcurrentHashMap<>();
        final Set<String> leftovers = new HashSet<>();

        @Override
        public String refuse(InetAddress address) {
            return null;
        }

        @Override
        public Up up(String address) throws DuplicateAddressException {
            calls.add("up " + address);
            if (elsewhere.containsKey(address)) {
                throw new DuplicateAddressException(address + " is in use elsewhere", elsewhere.get(address));
            }
            return byHand.contains(address) ? Up.PRESENT : Up.ADDED;
        }

        @Override
        public void down(String address) throws HaException {
            calls.add("down " + address);
            if (failDownTimes.getOrDefault(address, 0) > 0) {
                failDownTimes.merge(address, -1, Integer::sum);
                throw new HaException("ip: command timed out (test)");
            }
            if (failDown.contains(address)) {
                throw new HaException("RTNETLINK answers: Operation not permitted");
            }
        }

        @Override
        public Set<String> leftovers() {
            return Collections.unmodifiableSet(leftovers);
        }

        @Override
        public void selfTest() {
        }

        @Override
        public void close() {
        }
    }

    /** The controller's side of a module, enough for the component. */
    static final class Context implements HaContext {
        volatile List<Personality> personalities = List.of();

        @Override
        public String scm() {
            return "scm-a";
        }

        @Override
        public OpMode configuredRole() {
            return OpMode.MASTER;
        }

        @Override
        public String moduleName() {
            return "netif";
        }

        @Override
        public List<Personality> personalities() {
            return personalities;
        }

        @Override
        public Duration deadline(Call call) {
            return Duration.ofSeconds(30);
        }

        @Override
        public void publish(String event, Map<String, ?> properties) {
        }

        @Override
        public void panic(String reason) {
        }
    }
}
