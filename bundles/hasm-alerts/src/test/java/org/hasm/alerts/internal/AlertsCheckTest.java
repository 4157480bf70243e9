package org.hasm.alerts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.hasm.config.Typed;
import org.hasm.spi.node.Configurations;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration check refuses each wrong value by its key, with the code the component applies. */
class AlertsCheckTest {
    @TempDir
    Path dir;

    private Path script;
    private Path token;

    @BeforeEach
    void files() throws IOException {
        script = Fixtures.script(dir, "notify.sh", "exit 0");
        token = dir.resolve("token");
        Files.writeString(token, "s3cr3t\n");
    }

    /** The node's configurations as the check sees them: one PID, converted as Declarative Services does. */
    private static Configurations configurations(Map<String, Object> alerts) {
        return new Configurations() {
            @Override
            public Node node() {
                return null;
            }

            @Override
            public Map<String, Object> get(String pid) {
                return AlertsComponent.PID.equals(pid) ? alerts : null;
            }

            @Override
            public SortedMap<String, Map<String, Object>> factory(String factoryPid) {
                return new TreeMap<>();
            }

            @Override
            public <A> A typed(Class<A> type, Map<String, ?> properties) {
                return Typed.of(type, properties);
            }
        };
    }

    /** @return each problem as {@code KEY: REASON} */
    private static List<String> check(Map<String, Object> alerts) {
        List<String> problems = new ArrayList<>();
        new AlertsCheck().check(configurations(alerts), new Findings() {
            @Override
            public void problem(String pid, String key, String reason) {
                assertEquals(AlertsComponent.PID, pid);
                problems.add(key + ": " + reason);
            }

            @Override
            public void timing(String pid, String key, long value) {
            }
        });
        return problems;
    }

    private Map<String, Object> good() {
        Map<String, Object> c = new HashMap<>();
        // as a node folder's etc/org.hasm.alerts.cfg gives them: text, lists separated by commas
        c.put("alert.scripts", script.toString());
        c.put("alert.webhooks", "https://hooks.example.com/hasm, http://127.0.0.1:9000/alert");
        c.put("alert.webhook.token.file", token.toString());
        c.put("alert.kinds", "state, peer,fence");
        c.put("alert.timeout.ms", "3000");
        c.put("alert.queue.max", "50");
        c.put("alert.webhook.retries", "1");
        return c;
    }

    private List<String> with(String key, Object value) {
        Map<String, Object> c = good();
        c.put(key, value);
        return check(c);
    }

    @Test
    void noConfigurationAndAGoodOneHaveNoProblem() {
        assertEquals(List.of(), check(null));
        assertEquals(List.of(), check(good()));
        assertEquals(List.of(), check(Map.of()), "the defaults");
    }

    @Test
    void aGoodConfigurationIsReadWhole() {
        Settings s = Settings.of(Typed.of(AlertsConfig.class, good()));
        assertEquals(List.of(script), s.scripts());
        assertEquals(2, s.webhooks().size());
        assertEquals("s3cr3t", s.token());
        assertEquals(java.util.Set.of("state", "peer", "fence"), s.kinds());
        assertEquals(3000, s.timeout().toMillis());
        assertEquals(50, s.queueMax());
        assertEquals(1, s.retries());
        assertFalse(s.toString().contains("s3cr3t"), s.toString());
        Settings defaults = Settings.of(Typed.of(AlertsConfig.class, Map.of()));
        assertEquals(java.util.Set.copyOf(Kinds.ALL), defaults.kinds());
        assertEquals(5000, defaults.timeout().toMillis());
        assertEquals(1000, defaults.queueMax());
        assertEquals(2, defaults.retries());
        assertFalse(defaults.recipients());
    }

    @Test
    void aScriptThatIsNotAnAbsolutePathIsRefused() {
        assertEquals(List.of("alert.scripts: 'bin/notify.sh' is not an absolute path"),
                with("alert.scripts", "bin/notify.sh"));
    }

    @Test
    void aScriptThatDoesNotExistIsRefused() {
        Path missing = dir.resolve("missing.sh");
        assertEquals(List.of("alert.scripts: '" + missing + "' does not exist"),
                with("alert.scripts", script + "," + missing));
    }

    @Test
    void aScriptThatIsNotExecutableIsRefused() throws IOException {
        Path plain = dir.resolve("plain.sh");
        Files.writeString(plain, "#!/bin/sh\n");
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-------"));
        assertEquals(List.of("alert.scripts: '" + plain + "' is not executable (chmod +x)"),
                with("alert.scripts", plain.toString()));
    }

    @Test
    void aFolderIsNoScript() {
        assertEquals(List.of("alert.scripts: '" + dir + "' is not a file"), with("alert.scripts", dir.toString()));
    }

    @Test
    void aScriptListedTwiceIsRefused() {
        assertEquals(List.of("alert.scripts: '" + script + "' is listed twice"),
                with("alert.scripts", new String[] {script.toString(), script.toString()}));
    }

    @Test
    void aWebhookThatIsNotAnHttpUrlIsRefusedWithoutShowingItsCredentials() {
        assertEquals(List.of("alert.webhooks: 'ftp://***@files.example.com/in?***' is not an http or https URL"),
                with("alert.webhooks", "ftp://user:hunter2@files.example.com/in?key=abc"));
        assertEquals(List.of("alert.webhooks: 'hooks.example.com/x' is not an http or https URL"),
                with("alert.webhooks", "hooks.example.com/x"));
        assertEquals(List.of("alert.webhooks: 'http:///x' names no host"), with("alert.webhooks", "http:///x"));
        List<String> bad = with("alert.webhooks", "https://hooks.example.com/a b");
        assertEquals(1, bad.size());
        assertTrue(bad.get(0).startsWith("alert.webhooks: 'https://hooks.example.com/a b' is not a URL"), bad.get(0));
    }

    @Test
    void aTokenFileThatIsMissingUnreadableOrEmptyIsRefused() throws IOException {
        Path missing = dir.resolve("no-token");
        assertEquals(List.of("alert.webhook.token.file: '" + missing + "' does not exist"),
                with("alert.webhook.token.file", missing.toString()));
        assertEquals(List.of("alert.webhook.token.file: '" + dir + "' is not a file"),
                with("alert.webhook.token.file", dir.toString()));
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "\n");
        assertEquals(List.of("alert.webhook.token.file: '" + empty + "' is empty"),
                with("alert.webhook.token.file", empty.toString()));
        Path two = dir.resolve("two-words");
        Files.writeString(two, "secret-one\nsecret-two\n");
        List<String> twoWords = with("alert.webhook.token.file", two.toString());
        assertEquals(1, twoWords.size());
        assertTrue(twoWords.get(0).startsWith("alert.webhook.token.file: '" + two + "' holds a blank"), twoWords.get(0));
        assertFalse(twoWords.get(0).contains("secret"), "the token is never shown");
    }

    @Test
    void aTokenFileThatIsNoFileIsRefused() throws IOException {
        // a folder where the token should be (root reads every file, so unreadable ones cannot be tried as root)
        Path folder = Files.createDirectories(dir.resolve("token.d"));
        assertEquals(List.of("alert.webhook.token.file: '" + folder + "' is not a file"),
                with("alert.webhook.token.file", folder.toString()));
    }

    @Test
    void anUnknownKindIsRefused() {
        assertEquals(List.of("alert.kinds: 'pager' is not a kind: expected state, peer, fence, volume, health, ups,"
                + " upgrade, address"), with("alert.kinds", "state,pager"));
        assertEquals(List.of("alert.kinds: is empty: name the kinds to send (state, peer, fence, volume, health, ups,"
                + " upgrade, address), or leave the key out for all of them"), with("alert.kinds", ""));
    }

    @Test
    void numbersOutOfRangeAreRefused() {
        assertEquals(List.of("alert.timeout.ms: '99' is out of range 100..300000"), with("alert.timeout.ms", "99"));
        assertEquals(List.of("alert.timeout.ms: '300001' is out of range 100..300000"),
                with("alert.timeout.ms", 300_001L));
        assertEquals(List.of("alert.timeout.ms: 'soon' is not a whole number"), with("alert.timeout.ms", "soon"));
        assertEquals(List.of("alert.queue.max: '0' is out of range 1..1000000"), with("alert.queue.max", "0"));
        assertEquals(List.of("alert.webhook.retries: '11' is out of range 0..10"), with("alert.webhook.retries", "11"));
        assertEquals(List.of("alert.webhook.retries: '-1' is out of range 0..10"), with("alert.webhook.retries", -1));
    }

    @Test
    void everyProblemIsFoundInOnePass() {
        Map<String, Object> c = good();
        c.put("alert.scripts", "relative.sh");
        c.put("alert.webhooks", "mailto:ops@example.com");
        c.put("alert.kinds", "everything");
        c.put("alert.timeout.ms", "0");
        assertEquals(List.of("alert.scripts", "alert.webhooks", "alert.kinds", "alert.timeout.ms"),
                check(c).stream().map(p -> p.substring(0, p.indexOf(':'))).toList());
    }
}
