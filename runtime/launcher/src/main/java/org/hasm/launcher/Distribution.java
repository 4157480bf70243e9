package org.hasm.launcher;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The installed distribution, {@code HASM_HOME}: {@code lib/} (this launcher), {@code etc/}
 * (framework defaults), {@code system/} (every bundle, laid out like a Maven repository, and
 * {@code system/features/NAME.json}) and {@code deploy/}.
 *
 * @param home absolute
 */
record Distribution(Path home) {

    /** System property with the distribution's folder; {@code bin/hasm} sets it. */
    static final String HOME_PROPERTY = "hasm.home";

    /**
     * @return the distribution this launcher runs from: {@value #HOME_PROPERTY}, or else the
     *     folder above the launcher jar's {@code lib/}
     */
    static Distribution locate() throws LaunchException {
        String property = System.getProperty(HOME_PROPERTY);
        Path home;
        if (property != null && !property.isBlank()) {
            home = Paths.get(property);
        } else {
            try {
                Path jar = Paths.get(Distribution.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                home = jar.getParent().getParent();
            } catch (URISyntaxException | RuntimeException e) {
                throw new LaunchException("cannot tell where the distribution is: set -D" + HOME_PROPERTY);
            }
        }
        return at(home);
    }

    /** @throws LaunchException if {@code home} is not a distribution */
    static Distribution at(Path home) throws LaunchException {
        Path absolute = home.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute.resolve("system"))) {
            throw new LaunchException(absolute + ": not a hasm distribution (no system/ folder)");
        }
        return new Distribution(absolute);
    }

    Path system() {
        return home.resolve("system");
    }

    Path featuresDir() {
        return system().resolve("features");
    }

    Path frameworkProperties() {
        return home.resolve("etc").resolve("framework.properties");
    }

    /** @return the names of the features in {@code system/features}, sorted */
    List<String> featureNames() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(featuresDir(), "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                names.add(name.substring(0, name.length() - ".json".length()));
            }
        } catch (IOException e) {
            // no features folder: the caller reports the feature it looked for as missing
        }
        names.sort(null);
        return names;
    }

    /**
     * @param name a feature name (already checked against {@link Node#FEATURE_NAME})
     * @param from the file that names the feature, for the message
     * @throws LaunchException if there is no such feature or it is not a valid feature file
     */
    Feature feature(String name, Path from) throws LaunchException {
        Path file = featuresDir().resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            throw new LaunchException(from + ": " + Node.FEATURES + ": no feature '" + name + "' in " + featuresDir()
                    + " (available: " + String.join(", ", featureNames()) + ")");
        }
        return Feature.read(file, name);
    }
}
