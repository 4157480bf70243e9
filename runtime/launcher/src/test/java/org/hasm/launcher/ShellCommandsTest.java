package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellCommandsTest {

    @Test
    void everyPublicMethodIsACommandAndEveryCommandAMethod() {
        Set<String> methods = Arrays.stream(ShellCommands.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of(ShellCommands.FUNCTIONS)), methods);
    }

    @Test
    void aCommandIsHasmctlForThisNodeAndSaysHowItEnded(@TempDir Path dir) {
        ShellCommands shell = new ShellCommands(dir, dir.resolve("no-such-node"), Map.of());
        assertTrue(shell.ctl().startsWith("usage: hasmctl"), shell.ctl());
        // no distribution, no node folder: hasmctl's own message and exit code, as on a terminal
        String status = shell.status();
        assertTrue(status.startsWith("hasmctl: ") && status.matches("(?s).*\\(exit [1-9][0-9]*\\)\n"), status);
        assertTrue(shell.events("--follow").contains("holds the console"), shell.events("--follow"));
    }
}
