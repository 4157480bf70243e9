package org.hasm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigProblemTest {

    @interface Config {
        long interval_ms() default 50;

        boolean fsync() default false;
    }

    @Test
    void aValueThatCannotBeConvertedIsOneProblemNamingPidAndKeyAndTheFallbackStandsIn() {
        Config c = Typed.of(Config.class, Map.of("interval.ms", "abc", "fsync", "sometimes"));
        List<ConfigProblem> problems = new ArrayList<>();
        assertEquals(75L, ConfigProblem.read(c::interval_ms, "org.hasm.status", "interval.ms", 75L, problems));
        assertEquals(false, ConfigProblem.read(c::fsync, "org.hasm.status.channel~disk", "fsync", false, problems));
        assertEquals(List.of("org.hasm.status: interval.ms: 'abc' is not a whole number",
                "org.hasm.status.channel~disk: fsync: 'sometimes' is neither true nor false"),
                problems.stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void aNumberOutOfItsBoundsIsAProblemAndTheDefaultStandsIn() {
        List<ConfigProblem> problems = new ArrayList<>();
        assertEquals(5000L, ConfigProblem.range("org.hasm.alerts", "alert.timeout.ms", 0, 5000, 100, 300_000, problems));
        assertEquals(100L, ConfigProblem.range("org.hasm.alerts", "alert.timeout.ms", 100, 5000, 100, 300_000, problems));
        assertEquals(List.of("org.hasm.alerts: alert.timeout.ms: '0' is out of range 100..300000"),
                problems.stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void aMissingValueIsTheDefaultAndNoProblem() {
        List<ConfigProblem> problems = new ArrayList<>();
        Config c = Typed.of(Config.class, Map.of());
        assertEquals(50L, ConfigProblem.read(c::interval_ms, "p", "interval.ms", 75L, problems));
        assertEquals(List.of(), problems);
    }

    @Test
    void aMessageThatIsNotAboutTheKeyIsKeptWhole() {
        assertEquals("something else broke", ConfigProblem.reason("k", new IllegalStateException("something else broke")));
        assertEquals("'x=y' is odd", ConfigProblem.reason("k", new IllegalArgumentException("k=x=y is odd")));
    }
}
