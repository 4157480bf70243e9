package org.hasm.launcher;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A Maven artifact as a feature names it: {@code groupId:artifactId[:type[:classifier]]:version}
 * (OSGi Feature Service, 160.2.2), and its place in a folder laid out like a Maven repository.
 */
record MavenId(String groupId, String artifactId, String type, String classifier, String version) {

    /* Every part becomes a path segment: no separators and no "." or ".." segments, so an id can
       never point outside system/. */
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");

    /**
     * @throws IllegalArgumentException saying what is wrong with the id
     */
    static MavenId parse(String id) {
        String[] parts = id.split(":", -1);
        MavenId parsed = switch (parts.length) {
            case 3 -> new MavenId(parts[0], parts[1], "jar", null, parts[2]);
            case 4 -> new MavenId(parts[0], parts[1], parts[2], null, parts[3]);
            case 5 -> new MavenId(parts[0], parts[1], parts[2], parts[3], parts[4]);
            default -> throw new IllegalArgumentException("'" + id
                    + "' is not a Maven id (expected groupId:artifactId[:type[:classifier]]:version)");
        };
        for (String part : parts) {
            if (!PART.matcher(part).matches()) {
                throw new IllegalArgumentException("'" + id + "' is not a Maven id ('" + part
                        + "' is not a valid part: letters, digits, '.', '_', '+' and '-')");
            }
        }
        return parsed;
    }

    /** @return where this artifact is in the repository folder {@code repository} */
    Path path(Path repository) {
        String extension = "bundle".equals(type) ? "jar" : type;
        String file = artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + extension;
        return repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version).resolve(file);
    }

    @Override
    public String toString() {
        return groupId + ":" + artifactId + ("jar".equals(type) && classifier == null ? "" : ":" + type)
                + (classifier == null ? "" : ":" + classifier) + ":" + version;
    }
}
