package org.hasm.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A feature file: a named set of bundles, each with a start level, and default configurations,
 * in the OSGi feature format (OSGi Compendium 160). Read from {@code system/features/NAME.json}.
 *
 * @param name the file's name without {@code .json}
 * @param file where it was read from, for messages
 * @param id the feature's Maven id
 * @param bundles in the order listed
 * @param configurations default configurations, in the order listed
 */
record Feature(String name, Path file, String id, List<Bundle> bundles, Map<ConfigKey, Map<String, Object>> configurations) {

    /**
     * Start level of a bundle that does not say: what is not infrastructure is a module or a
     * service, and those start configured and before the controller.
     */
    static final int DEFAULT_START_ORDER = 2;

    /**
     * A bundle of the feature: its Maven id, its start level ({@code "start-order"}), and whether
     * it starts in the background ({@code "start-in-background": true}): on a thread of its own once
     * its level is reached, while the framework raises the levels above. For a bundle that is slow
     * to start and that nothing above waits for (the admin API's HTTP server); it still stops in
     * its level's turn, after everything above it.
     */
    record Bundle(MavenId id, int startOrder, boolean background) {
        Bundle(MavenId id, int startOrder) {
            this(id, startOrder, false);
        }
    }

    /**
     * @throws LaunchException naming the file and the element that is wrong
     */
    static Feature read(Path file, String name) throws LaunchException {
        Object root = Json.read(file);
        if (!(root instanceof Map<?, ?> rootMap)) {
            throw new LaunchException(file + ": a feature is a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> feature = (Map<String, Object>) rootMap;

        Object version = feature.get("feature-resource-version");
        if (version != null && !"1.0".equals(version)) {
            throw new LaunchException(file + ": feature-resource-version " + version + " is not supported (expected 1.0)");
        }
        String id = string(file, feature, "id");
        try {
            MavenId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new LaunchException(file + ": id: " + e.getMessage());
        }

        List<Bundle> bundles = new ArrayList<>();
        Object bundleList = feature.getOrDefault("bundles", List.of());
        if (!(bundleList instanceof List<?> items)) {
            throw new LaunchException(file + ": bundles must be an array");
        }
        for (int i = 0; i < items.size(); i++) {
            bundles.add(bundle(file, "bundles[" + i + "]", items.get(i)));
        }

        Map<ConfigKey, Map<String, Object>> configurations = new LinkedHashMap<>();
        Object configs = feature.getOrDefault("configurations", Map.of());
        if (!(configs instanceof Map<?, ?> configMap)) {
            throw new LaunchException(file + ": configurations must be an object (PID: properties)");
        }
        for (Map.Entry<?, ?> entry : configMap.entrySet()) {
            String key = (String) entry.getKey();
            String where = file + ": configurations: \"" + key + "\"";
            ConfigKey configKey;
            try {
                configKey = ConfigKey.parse(key);
            } catch (IllegalArgumentException e) {
                throw new LaunchException(where + ": " + e.getMessage());
            }
            if (!(entry.getValue() instanceof Map<?, ?> properties)) {
                throw new LaunchException(where + ": the properties must be an object");
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> json = (Map<String, Object>) properties;
                configurations.put(configKey, ConfigValues.convert(json));
            } catch (IllegalArgumentException e) {
                throw new LaunchException(where + ": " + e.getMessage());
            }
        }
        return new Feature(name, file, id, Collections.unmodifiableList(bundles),
                Collections.unmodifiableMap(configurations));
    }

    private static Bundle bundle(Path file, String where, Object item) throws LaunchException {
        String id;
        int startOrder = DEFAULT_START_ORDER;
        boolean background = false;
        if (item instanceof String text) {
            id = text;
        } else if (item instanceof Map<?, ?> map) {
            if (!(map.get("id") instanceof String text)) {
                throw new LaunchException(file + ": " + where + ": \"id\" is missing or not a string");
            }
            id = text;
            Object order = map.get("start-order");
            if (order != null) {
                if (!(order instanceof Long number) || number < 1 || number > 1000) {
                    throw new LaunchException(file + ": " + where + ": start-order " + order
                            + " is not a start level (an integer from 1 to 1000)");
                }
                startOrder = number.intValue();
            }
            Object inBackground = map.get("start-in-background");
            if (inBackground != null) {
                if (!(inBackground instanceof Boolean flag)) {
                    throw new LaunchException(file + ": " + where + ": start-in-background " + inBackground
                            + " is not true or false");
                }
                background = flag;
            }
        } else {
            throw new LaunchException(file + ": " + where + " must be an id string or an object with \"id\"");
        }
        try {
            return new Bundle(MavenId.parse(id), startOrder, background);
        } catch (IllegalArgumentException e) {
            throw new LaunchException(file + ": " + where + ": " + e.getMessage());
        }
    }

    private static String string(Path file, Map<String, Object> object, String key) throws LaunchException {
        if (object.get(key) instanceof String value && !value.isBlank()) {
            return value;
        }
        throw new LaunchException(file + ": \"" + key + "\" is missing or not a string");
    }
}
