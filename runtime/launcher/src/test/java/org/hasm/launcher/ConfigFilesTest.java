package org.hasm.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {

    @TempDir
    Path etc;

    @Test
    void pidAndFactoryFilesInNameOrder() throws Exception {
        TestFiles.write(etc.resolve("org.hasm.personality~b.cfg"), "name=B\nhome=scm-b\n");
        TestFiles.write(etc.resolve("org.hasm.personality~a.cfg"), "# personality A\nname = A \naddresses=127.0.0.1, 127.0.0.2\n");
        TestFiles.write(etc.resolve("org.hasm.controller.cfg"), "deadline.stop.ms=20000\n");
        TestFiles.write(etc.resolve("hasm.properties"), "hasm.scm=a\n");
        TestFiles.write(etc.resolve("notes.txt"), "not a configuration");

        Map<ConfigKey, Map<String, Object>> read = ConfigFiles.read(etc);

        assertEquals(List.of("org.hasm.controller", "org.hasm.personality~a", "org.hasm.personality~b"),
                read.keySet().stream().map(ConfigKey::toString).toList());
        assertEquals(Map.of("name", "A", "addresses", "127.0.0.1, 127.0.0.2"),
                read.get(ConfigKey.parse("org.hasm.personality~a")));
        assertEquals(Map.of("deadline.stop.ms", "20000"), read.get(ConfigKey.parse("org.hasm.controller")));
    }

    @Test
    void noEtcFolderMeansNoConfigurations() throws Exception {
        assertEquals(Map.of(), ConfigFiles.read(etc.resolve("missing")));
    }

    @Test
    void aFileNameThatIsNoPidIsRejected() throws Exception {
        Path file = TestFiles.write(etc.resolve("my config.cfg"), "a=b\n");
        assertEquals(file + ": the file name must be PID.cfg or FACTORYPID~NAME.cfg: 'my config' is not a valid PID"
                        + " (letters, digits, '_' and '-', in parts separated by single dots)",
                assertThrows(LaunchException.class, () -> ConfigFiles.read(etc)).getMessage());
    }

    @Test
    void aFactoryFileWithoutNameIsRejected() throws Exception {
        Path file = TestFiles.write(etc.resolve("org.hasm.personality~.cfg"), "a=b\n");
        assertEquals(file + ": the file name must be PID.cfg or FACTORYPID~NAME.cfg: '' is not a valid configuration"
                        + " name in 'org.hasm.personality~' (letters, digits, '_' and '-', in parts separated by single dots)",
                assertThrows(LaunchException.class, () -> ConfigFiles.read(etc)).getMessage());
    }

    @Test
    void aFileThatCannotBeParsedIsRejected() throws Exception {
        Path file = TestFiles.write(etc.resolve("org.hasm.controller.cfg"), "deadline.stop.ms=\\uZZZZ\n");
        assertEquals(file + ": cannot be parsed: Malformed \\uxxxx encoding.",
                assertThrows(LaunchException.class, () -> ConfigFiles.read(etc)).getMessage());
        Files.write(file, new byte[] {'a', '=', (byte) 0xc3});
        assertEquals(file + ": cannot be parsed: not UTF-8 text",
                assertThrows(LaunchException.class, () -> ConfigFiles.read(etc)).getMessage());
    }
}
