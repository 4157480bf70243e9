package org.hasm.controller.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A feature as a rolling upgrade installs it: a feature file ({@code REPO/features/NAME.json}, the OSGi
 * feature format the launcher reads, comments allowed) whose bundles are in the folder {@code REPO} laid out
 * like a Maven repository, as a distribution's {@code system/} is. Only what the upgrade needs is read: the
 * feature's name and version (from its {@code id}, {@code group:artifact:osgifeature:NAME:VERSION}) and
 * each bundle's jar.
 *
 * @param name the feature's name
 * @param version its version
 * @param jars each bundle's jar, in the feature's order
 */
record FeatureFile(String name, String version, List<Path> jars) {
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");
    /** More is not a feature file. */
    private static final int MAX_BYTES = 1024 * 1024;

    /**
     * @throws IllegalArgumentException naming the file and what is wrong (not JSON, no id, a bundle missing)
     */
    static FeatureFile read(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(file + " is more than " + MAX_BYTES + " bytes: not a feature file");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("the feature file " + file + " cannot be read: " + e.getMessage(), e);
        }
        Object doc;
        try {
            doc = new Reader(text).document();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the feature file " + file + " is not JSON: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> map) || !(map.get("id") instanceof String id)) {
            throw new IllegalArgumentException("the feature file " + file + " has no \"id\"");
        }
        String[] parts = id.split(":", -1);
        if (parts.length != 5 || !"osgifeature".equals(parts[2])) {
            throw new IllegalArgumentException("the feature file " + file + ": id '" + id
                    + "' is not group:artifact:osgifeature:NAME:VERSION");
        }
        if (!(map.get("bundles") instanceof List<?> bundles) || bundles.isEmpty()) {
            throw new IllegalArgumentException("the feature file " + file + " lists no \"bundles\"");
        }
        Path repository = file.toAbsolutePath().getParent().getParent();
        List<Path> jars = new ArrayList<>();
        for (Object b : bundles) {
            if (!(b instanceof Map<?, ?> bm) || !(bm.get("id") instanceof String bid)) {
                throw new IllegalArgumentException("the feature file " + file + ": a bundle without an \"id\"");
            }
            Path jar = path(repository, bid, file);
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("the feature file " + file + ": bundle " + bid + " is not in "
                        + repository + " (no " + jar + ")");
            }
            jars.add(jar);
        }
        return new FeatureFile(parts[3], parts[4], jars);
    }

    /* group:artifact[:type[:classifier]]:version, each part a path segment (never "..": an id stays in the folder) */
    private static Path path(Path repository, String id, Path file) {
        String[] p = id.split(":", -1);
        if (p.length < 3 || p.length > 5) {
            throw new IllegalArgumentException("the feature file " + file + ": '" + id + "' is not a Maven id");
        }
        for (String part : p) {
            if (!PART.matcher(part).matches()) {
                throw new IllegalArgumentException("the feature file " + file + ": '" + id + "' is not a Maven id");
            }
        }
        String version = p[p.length - 1];
        String type = p.length >= 4 ? p[2] : "jar";
        String classifier = p.length == 5 ? p[3] : null;
        String name = p[1] + "-" + version + (classifier == null ? "" : "-" + classifier) + "."
                + ("bundle".equals(type) ? "jar" : type);
        return repository.resolve(p[0].replace('.', '/')).resolve(p[1]).resolve(version).resolve(name);
    }

    /** JSON with comments, as feature files are written: objects, arrays, strings, numbers, literals. */
    static final class Reader {
        private final String s;
        private int i;
        // nesting, bounded so that a hostile file cannot exhaust the stack
        private int depth;

        Reader(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            skip();
            if (i != s.length()) {
                throw error("text after the document");
            }
            return v;
        }

        private Object value() {
            skip();
            if (i >= s.length()) {
                throw error("the document ends early");
            }
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                if (++depth > 64) {
                    throw error("nested more than 64 deep");
                }
                Object v = c == '{' ? object() : array();
                depth--;
                return v;
            }
            if (c == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && "{}[],: \t\r\n/".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            String word = s.substring(start, i);
            return switch (word) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                case "null" -> null;
                default -> {
                    try {
                        yield Double.parseDouble(word);
                    } catch (NumberFormatException e) {
                        i = start;
                        throw error("'" + word + "' is no JSON value");
                    }
                }
            };
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            skip();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                skip();
                if (peek() != '"') {
                    throw error("a key in quotes expected");
                }
                String key = string();
                skip();
                expect(':');
                m.put(key, value());
                skip();
                if (peek() == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            skip();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                skip();
                if (peek() == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }

        private String string() {
            StringBuilder b = new StringBuilder();
            i++;
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        break;
                    }
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            if (i + 4 > s.length()) {
                                throw error("a \\u escape cut short");
                            }
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            throw error("a string without its closing quote");
        }

        /* whitespace, // line comments and block comments */
        private void skip() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (s.startsWith("//", i)) {
                    int end = s.indexOf('\n', i);
                    i = end < 0 ? s.length() : end + 1;
                } else if (s.startsWith("/*", i)) {
                    int end = s.indexOf("*/", i + 2);
                    if (end < 0) {
                        throw error("a comment without its end");
                    }
                    i = end + 2;
                } else {
                    return;
                }
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("'" + c + "' expected");
            }
            i++;
        }

        private IllegalArgumentException error(String what) {
            int line = 1;
            for (int k = 0; k < Math.min(i, s.length()); k++) {
                if (s.charAt(k) == '\n') {
                    line++;
                }
            }
            return new IllegalArgumentException(what + " (line " + line + ")");
        }
    }
}
