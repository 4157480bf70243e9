package org.hasm.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A node folder: what one SCM runs, from {@code DIR/etc/hasm.properties}.
 *
 * <pre>
 * hasm.scm=scm-a                        required: this SCM's name, [A-Za-z0-9_-]+
 * hasm.role=MASTER                      required: MASTER or SLAVE (any case)
 * hasm.peer=scm-b                       the other SCM's name; absent: standalone
 * hasm.cluster.key.file=etc/cluster.key the key both SCMs share (the default); relative to DIR
 * hasm.features=hasm-core,hasm-example  default hasm-core
 * hasm.deploy.dir=deploy                default ${hasm.home}/deploy; relative to DIR
 * hasm.log.level=INFO                   ERROR, WARN, INFO (default), DEBUG or TRACE
 * any.other.key=value                   passed to the framework as a property
 * </pre>
 *
 * The node's keys go to the node bundle's configuration ({@value #NODE_PID}), which validates them.
 *
 * @param dir the node folder, absolute
 * @param propertiesFile {@code DIR/etc/hasm.properties}, for messages
 * @param scm the SCM's name
 * @param role {@code MASTER} or {@code SLAVE}
 * @param features feature names, in order, without duplicates
 * @param deployDir the folder watched for bundles, absolute
 * @param logLevel upper case
 * @param frameworkProperties the other keys, passed through
 * @param nodeKeys the node's keys as written ({@code hasm.scm}, {@code hasm.peer}, {@code hasm.role},
 *     {@code hasm.cluster.key.file}), for the node bundle's configuration, which checks them
 */
record Node(Path dir, Path propertiesFile, String scm, String role, List<String> features, Path deployDir,
        String logLevel, Map<String, String> frameworkProperties, Map<String, String> nodeKeys) {

    /** The node bundle's configuration PID: the launcher writes it from this file, nobody else does. */
    static final String NODE_PID = "org.hasm.node";
    static final String SCM = "hasm.scm";
    static final String ROLE = "hasm.role";
    static final String PEER = "hasm.peer";
    static final String KEY_FILE = "hasm.cluster.key.file";
    static final String DATA_DIR = "hasm.data.dir";
    static final String FEATURES = "hasm.features";
    static final String DEPLOY_DIR = "hasm.deploy.dir";
    static final String LOG_LEVEL = "hasm.log.level";

    static final String DEFAULT_FEATURES = "hasm-core";
    static final String DEFAULT_LOG_LEVEL = "INFO";

    /** Feature names become file names under system/features: no separators, no leading dot. */
    static final java.util.regex.Pattern FEATURE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");
    private static final Set<String> LOG_LEVELS = Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    /** Keys the launcher derives itself: setting them in hasm.properties would be silently lost. */
    static final Set<String> RESERVED = Set.of("hasm.home", "hasm.node.dir", "hasm.data.dir", "hasm.log.dir",
            "org.osgi.framework.storage", "org.osgi.framework.storage.clean");

    /**
     * @param dir the node folder as given on the command line
     * @param home the distribution, for the default deploy folder
     * @throws LaunchException naming the file and key that are wrong
     */
    static Node load(Path dir, Path home) throws LaunchException {
        Path node = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(node)) {
            throw new LaunchException(node + ": " + (Files.exists(node) ? "not a folder" : "no such folder")
                    + " (the node folder holds etc/hasm.properties)");
        }
        Path file = node.resolve("etc").resolve("hasm.properties");
        if (!Files.isRegularFile(file)) {
            throw new LaunchException(file + ": missing (a node folder needs etc/hasm.properties with "
                    + SCM + " and " + ROLE + "; see examples/standalone)");
        }
        Map<String, String> properties = new LinkedHashMap<>(PropertiesFile.read(file));

        for (String key : properties.keySet()) {
            if (RESERVED.contains(key)) {
                throw new LaunchException(file + ": " + key + " is set by the launcher and cannot be set here");
            }
        }
        // The node's keys are checked by the node bundle, the one place that reads them (hasm check
        // and every start report what is wrong there, naming this file): here they are only carried.
        String scm = text(properties.get(SCM));
        String role = text(properties.get(ROLE));
        role = role == null ? null : role.toUpperCase(Locale.ROOT);
        List<String> features = features(file, properties.getOrDefault(FEATURES, DEFAULT_FEATURES));

        String deploy = properties.get(DEPLOY_DIR);
        Path deployDir = deploy == null || deploy.isEmpty()
                ? home.resolve("deploy")
                : node.resolve(deploy).normalize();

        String level = properties.getOrDefault(LOG_LEVEL, DEFAULT_LOG_LEVEL).toUpperCase(Locale.ROOT);
        if (level.isEmpty()) {
            level = DEFAULT_LOG_LEVEL;
        }
        if (!LOG_LEVELS.contains(level)) {
            throw new LaunchException(file + ": " + LOG_LEVEL + "=" + properties.get(LOG_LEVEL)
                    + " is not a log level (expected ERROR, WARN, INFO, DEBUG or TRACE)");
        }

        Map<String, String> passThrough = new LinkedHashMap<>(properties);
        for (String key : List.of(SCM, ROLE, PEER, KEY_FILE, FEATURES, DEPLOY_DIR, LOG_LEVEL)) {
            passThrough.remove(key);
        }
        Map<String, String> nodeKeys = new LinkedHashMap<>();
        for (String key : List.of(SCM, PEER, ROLE, KEY_FILE)) {
            String value = text(properties.get(key));
            if (value != null) {
                nodeKeys.put(key, value);
            }
        }
        return new Node(node, file, scm, role, features, deployDir, level, Collections.unmodifiableMap(passThrough),
                Collections.unmodifiableMap(nodeKeys));
    }

    private static String text(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * @return the node bundle's configuration ({@value #NODE_PID}): the node's keys as the operator
     *     wrote them, the data folder, and the cluster key file, relative to the node folder, by
     *     default {@code etc/cluster.key}
     */
    Map<String, Object> nodeConfiguration() {
        Map<String, Object> c = new LinkedHashMap<>(nodeKeys);
        c.put(DATA_DIR, dataDir().toString());
        Object key = c.get(KEY_FILE);
        c.put(KEY_FILE, key == null ? etcDir().resolve("cluster.key").toString()
                : dir.resolve(String.valueOf(key)).normalize().toString());
        return c;
    }

    /** @return {@code DIR/data/hasm}: state of hasm's own bundles, kept across restarts */
    Path dataDir() {
        return dir.resolve("data").resolve("hasm");
    }

    /** @return {@code DIR/data/framework}: the framework's storage, emptied at every start */
    Path storageDir() {
        return dir.resolve("data").resolve("framework");
    }

    Path logDir() {
        return dir.resolve("log");
    }

    Path etcDir() {
        return dir.resolve("etc");
    }

    private static List<String> features(Path file, String list) throws LaunchException {
        Set<String> names = new LinkedHashSet<>();
        for (String part : list.split(",")) {
            String name = part.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (!FEATURE_NAME.matcher(name).matches()) {
                throw new LaunchException(file + ": " + FEATURES + ": '" + name
                        + "' is not a feature name (letters, digits, '.', '_' and '-')");
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw new LaunchException(file + ": " + FEATURES + " is empty (at least hasm-core)");
        }
        return List.copyOf(new ArrayList<>(names));
    }
}
