package org.hasm.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's configurations: {@code DIR/etc/PID.cfg} and {@code DIR/etc/FACTORYPID~NAME.cfg},
 * in {@link java.util.Properties} syntax. Values are strings; Declarative Services converts them
 * to the types a component's configuration asks for.
 */
final class ConfigFiles {

    static final String SUFFIX = ".cfg";

    private ConfigFiles() {
    }

    /**
     * @param etc the node's etc folder
     * @return the configurations by key, in file name order
     * @throws LaunchException naming the file that cannot be parsed or whose name is no PID
     */
    static Map<ConfigKey, Map<String, Object>> read(Path etc) throws LaunchException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(etc)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(etc, "*" + SUFFIX)) {
                stream.forEach(files::add);
            } catch (IOException e) {
                throw new LaunchException(etc + ": cannot be listed (" + e.getMessage() + ")");
            }
        }
        // a fixed order, so that what is applied does not depend on the file system
        files.sort(null);
        Map<ConfigKey, Map<String, Object>> result = new LinkedHashMap<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            String name = file.getFileName().toString();
            ConfigKey key;
            try {
                key = ConfigKey.parse(name.substring(0, name.length() - SUFFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new LaunchException(file + ": the file name must be PID.cfg or FACTORYPID~NAME.cfg: "
                        + e.getMessage());
            }
            result.put(key, new LinkedHashMap<>(PropertiesFile.read(file)));
        }
        return result;
    }
}
