package org.hasm.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything one start needs, worked out and checked before the framework exists: a mistake in
 * any file stops the launch before a single bundle runs.
 *
 * @param node the node folder
 * @param bundles what to install, in feature order
 * @param configurations what to apply, features' defaults overlaid by the node's etc/*.cfg
 * @param frameworkProperties the framework's launch properties
 * @param topLevel the highest start level of any bundle
 */
record Plan(Node node, List<PlannedBundle> bundles, Map<ConfigKey, Map<String, Object>> configurations,
        Map<String, String> frameworkProperties, int topLevel) {

    /**
     * A bundle to install: where its jar is, at which start level it runs, and whether it starts in
     * the background ({@link Feature.Bundle}).
     */
    record PlannedBundle(MavenId id, Path jar, int startLevel, String feature, boolean background) {
    }

    /**
     * Added to every configuration: the file it comes from, which the node's check names in a
     * problem (the node bundle knows the key; it is none of the configuration's owner).
     */
    static final String SOURCE = "hasm.config.source";

    /**
     * Framework property: the node bundle activates nothing before the launcher has the
     * configuration checked and asks it to start ({@link Runner}).
     */
    static final String GATE = "hasm.node.gate";

    /** Framework property: the root log level of the OSGi Log service (Log 1.4, LoggerAdmin). */
    static final String LOG_ADMIN_LEVEL = "org.osgi.service.log.admin.loglevel";

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    /**
     * @param console whether a terminal is attached, for the shell
     * @throws LaunchException naming the file that is wrong
     */
    static Plan make(Distribution dist, Node node, boolean console) throws LaunchException {
        List<Feature> features = new ArrayList<>();
        for (String name : node.features()) {
            features.add(dist.feature(name, node.propertiesFile()));
        }

        Map<String, PlannedBundle> bundles = new LinkedHashMap<>();
        for (Feature feature : features) {
            for (PlannedBundle bundle : locate(dist, feature)) {
                // listed by two features: the first one says at which level it runs
                bundles.putIfAbsent(bundle.id().toString(), bundle);
            }
        }
        int top = bundles.values().stream().mapToInt(PlannedBundle::startLevel).max().orElse(1);

        // per property: a feature's default stays unless the node's file sets the same key
        Map<ConfigKey, Map<String, Object>> configurations = new LinkedHashMap<>();
        // where each configuration comes from, so that a problem found in it names the file to fix
        Map<ConfigKey, String> sources = new LinkedHashMap<>();
        for (Feature feature : features) {
            feature.configurations().forEach((key, properties) -> {
                overlay(configurations, key, properties);
                sources.put(key, feature.file().toString());
            });
        }
        ConfigKey nodeKey = new ConfigKey(Node.NODE_PID, null);
        Map<ConfigKey, Map<String, Object>> files = ConfigFiles.read(node.etcDir());
        if (files.containsKey(nodeKey)) {
            throw new LaunchException(node.etcDir().resolve(Node.NODE_PID + ConfigFiles.SUFFIX) + ": the node's"
                    + " configuration comes from " + node.propertiesFile() + " (hasm.scm, hasm.peer, hasm.role,"
                    + " hasm.cluster.key.file): remove this file");
        }
        files.forEach((key, properties) -> {
            overlay(configurations, key, properties);
            sources.put(key, node.etcDir().resolve(key + ConfigFiles.SUFFIX).toString());
        });
        overlay(configurations, nodeKey, node.nodeConfiguration());
        sources.put(nodeKey, node.propertiesFile().toString());
        sources.forEach((key, source) -> configurations.get(key).put(SOURCE, source));

        Map<String, String> properties = frameworkProperties(dist, node, console);
        Plan plan = new Plan(node, List.copyOf(bundles.values()), Collections.unmodifiableMap(configurations),
                Collections.unmodifiableMap(properties), top);
        AdminAccess.check(dist, plan);
        // the view wraps this map: the controller tells the peer where its admin API is, to redirect commands there
        properties.putAll(AdminAccess.advertised(dist, plan));
        return plan;
    }

    /**
     * @return the feature's bundles with their jars in {@code system/}
     * @throws LaunchException naming the feature file and the first bundle that is missing
     */
    static List<PlannedBundle> locate(Distribution dist, Feature feature) throws LaunchException {
        List<PlannedBundle> located = new ArrayList<>();
        for (Feature.Bundle bundle : feature.bundles()) {
            Path jar = bundle.id().path(dist.system());
            if (!Files.isRegularFile(jar)) {
                throw new LaunchException(feature.file() + ": bundle " + bundle.id()
                        + " is not in the distribution (no " + jar + ")");
            }
            located.add(new PlannedBundle(bundle.id(), jar, bundle.startOrder(), feature.name(), bundle.background()));
        }
        return located;
    }

    private static void overlay(Map<ConfigKey, Map<String, Object>> configurations, ConfigKey key,
            Map<String, Object> properties) {
        configurations.computeIfAbsent(key, k -> new LinkedHashMap<>()).putAll(properties);
    }

    /*
     * Lowest to highest precedence: the distribution's etc/framework.properties, the node's
     * pass-through keys, then what the launcher derives (folders, identity), which nothing may
     * override because the rest of the runtime relies on it.
     */
    static Map<String, String> frameworkProperties(Distribution dist, Node node, boolean console)
            throws LaunchException {
        Map<String, String> properties = new LinkedHashMap<>();
        if (Files.isRegularFile(dist.frameworkProperties())) {
            properties.putAll(PropertiesFile.read(dist.frameworkProperties()));
        }
        properties.putAll(node.frameworkProperties());
        if (!console) {
            // no terminal: the shell must not read stdin (it would stop the framework at EOF)
            properties.putIfAbsent("gosh.args", "--nointeractive");
        }
        properties.putIfAbsent("gosh.home", dist.home().toString());

        properties.put("hasm.home", dist.home().toString());
        properties.put("hasm.node.dir", node.dir().toString());
        properties.put("hasm.data.dir", node.dataDir().toString());
        properties.put("hasm.log.dir", node.logDir().toString());
        if (node.scm() != null) {
            properties.put(Node.SCM, node.scm());
        }
        if (node.role() != null) {
            properties.put(Node.ROLE, node.role());
        }
        properties.put(GATE, "launcher");
        properties.put(Node.FEATURES, String.join(",", node.features()));
        properties.put(Node.DEPLOY_DIR, node.deployDir().toString());
        properties.put(Node.LOG_LEVEL, node.logLevel());
        // the log service drops entries below its root level before any listener sees them
        properties.put(LOG_ADMIN_LEVEL, node.logLevel());
        properties.put("felix.fileinstall.dir", node.deployDir().toString());
        properties.put("org.osgi.framework.storage", node.storageDir().toString());
        // what runs is always what system/, the features, deploy/ and etc/ say: nothing survives
        // from the previous run's framework storage
        properties.put("org.osgi.framework.storage.clean", "onFirstInit");
        // the launcher raises the level itself: 1, configurations, then the top (see Runner)
        properties.put("org.osgi.framework.startlevel.beginning", "1");
        return substitute(properties);
    }

    /** Replaces {@code ${key}} in values by other properties or system properties. */
    static Map<String, String> substitute(Map<String, String> properties) throws LaunchException {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            result.put(entry.getKey(), expand(entry.getKey(), entry.getValue(), properties, 0));
        }
        return result;
    }

    private static String expand(String key, String value, Map<String, String> properties, int depth)
            throws LaunchException {
        if (depth > 8) {
            throw new LaunchException("framework property " + key + ": variables refer to each other in a loop");
        }
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String replacement = properties.containsKey(name) ? properties.get(name) : System.getProperty(name);
            if (replacement == null) {
                throw new LaunchException("framework property " + key + "=" + value + ": ${" + name + "} is not defined");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(expand(key, replacement, properties, depth + 1)));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
