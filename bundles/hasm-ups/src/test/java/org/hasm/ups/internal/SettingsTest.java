package org.hasm.ups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hasm.config.ConfigProblem;
import org.hasm.config.Typed;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static Settings of(Map<String, ?> properties) {
        return Settings.of(Typed.of(UpsConfig.class, properties));
    }

    private static List<String> problems(Map<String, ?> properties) {
        return of(properties).problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void onlyTheUpsNameIsNeededEverythingElseHasADefault() {
        Settings s = of(Map.of("ups", "myups"));
        assertEquals(List.of(), s.problems());
        assertEquals("127.0.0.1", s.host());
        assertEquals(3493, s.port());
        assertEquals(Duration.ofSeconds(60), s.rules().grace());
        assertEquals(Policy.Reaction.GRACE, s.rules().alarm());
        assertEquals(Policy.Reaction.EVENT, s.rules().replaceBattery());
        assertEquals("myups@127.0.0.1:3493", s.rules().ups());
        assertEquals(null, s.user());
    }

    @Test
    void everyWrongValueIsOneProblemNamingItsKey() {
        assertEquals(List.of("org.hasm.ups: ups: is not set: name the UPS as upsd knows it (its section in ups.conf)"),
                problems(Map.of()));
        assertEquals(List.of(
                "org.hasm.ups: ups: 'my ups' is not a UPS name (letters, digits, '_', '.', ':', '-')",
                "org.hasm.ups: host: 'up sd' is not an IP address or a host name",
                "org.hasm.ups: port: '70000' is out of range 1..65535",
                "org.hasm.ups: poll.interval.ms: 'often' is not a whole number",
                "org.hasm.ups: grace.ms: '-5' is out of range 0..86400000",
                "org.hasm.ups: alarm.action: 'panic' is not an action: expected grace, now or event"),
                problems(Map.of("ups", "my ups", "host", "up sd", "port", "70000", "poll.interval.ms", "often",
                        "grace.ms", "-5", "alarm.action", "panic")).stream().filter(p -> !p.contains("password"))
                        .toList());
    }

    @Test
    void aUserNeedsAPasswordAndAPasswordAUser() {
        assertEquals(List.of("org.hasm.ups: password: is not set, but user is: upsd checks the user's password"),
                problems(Map.of("ups", "u", "user", "watcher")));
        assertEquals(List.of("org.hasm.ups: user: is not set, but password is: name the upsd user the password is for"),
                problems(Map.of("ups", "u", "password", "secret")));
        assertEquals(List.of("org.hasm.ups: password: holds a blank, a quote or a control character, which upsd"
                + " cannot take"), problems(Map.of("ups", "u", "user", "watcher", "password", "two words")));
        assertEquals(List.of(), problems(Map.of("ups", "u", "user", "watcher", "password", "s3cret")));
    }

    @Test
    void theDescriptionNeverShowsThePassword() {
        Settings s = of(Map.of("ups", "u", "user", "watcher", "password", "s3cret"));
        assertFalse(s.toString().contains("s3cret"), s.toString());
        assertEquals("u@127.0.0.1:3493 as watcher, poll 2000 ms, grace 60000 ms", s.toString());
    }

    @Test
    void actionsAreReadWhateverTheirCase() {
        Settings s = of(Map.of("ups", "u", "alarm.action", "NOW", "overload.action", " Event ",
                "replace.battery.action", "grace"));
        assertEquals(List.of(), s.problems());
        assertEquals(Policy.Reaction.NOW, s.rules().alarm());
        assertEquals(Policy.Reaction.EVENT, s.rules().overload());
        assertEquals(Policy.Reaction.GRACE, s.rules().replaceBattery());
    }
}
