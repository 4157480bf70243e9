package org.hasm.ctcm.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which of the node's configuration files are the pair's (both SCMs share them: personalities,
 * exports, users, timing) as opposed to this node's own (its channels' addresses, its fence), and
 * the editing of one such file: keys set or removed in place, comments and the order of lines kept.
 */
final class PairFiles {

    static final String SUFFIX = ".cfg";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(~[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*)?");
    private static final Pattern PROPERTY_KEY = Pattern.compile("[A-Za-z0-9_.:-]+");

    private final List<String> patterns;

    /** @param patterns file keys, each exact or ending in {@code *} for any rest ({@code org.hasm.personality~*}) */
    PairFiles(List<String> patterns) {
        this.patterns = List.copyOf(patterns);
    }

    List<String> patterns() {
        return patterns;
    }

    /** @return whether {@code fileKey} has the syntax of a file key ({@code PID} or {@code FACTORYPID~NAME}) */
    static boolean isKey(String fileKey) {
        return fileKey != null && KEY.matcher(fileKey).matches();
    }

    /** @return whether the file key ({@code PID} or {@code FACTORYPID~NAME}) is one of the pair's */
    boolean isPair(String fileKey) {
        if (!isKey(fileKey)) {
            return false;
        }
        for (String p : patterns) {
            if (p.endsWith("*") ? fileKey.startsWith(p.substring(0, p.length() - 1)) : fileKey.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** @throws IllegalArgumentException naming the file key when it is not one of the pair's */
    void requirePair(String fileKey) {
        if (!isKey(fileKey)) {
            throw new IllegalArgumentException("'" + fileKey + "' is not a configuration (PID or FACTORYPID~NAME)");
        }
        if (!isPair(fileKey)) {
            throw new IllegalArgumentException(fileKey + " is this node's own configuration, not the pair's (the pair's: "
                    + String.join(", ", patterns) + "; org.hasm.ctcm pair.files)");
        }
    }

    /**
     * Checks a configuration this SCM did not make (the peer's, the replica's) before anything of it is
     * written: each of its files must be one of this node's pair files, so that it can neither reach a file
     * of the node's own (its channels, its fence) nor a path outside {@code etc/}.
     *
     * @param from where it came from, for the message ("the peer", "the replica /shared/config/db")
     * @throws IllegalArgumentException naming the first file key that is not one of the pair's, and {@code from}
     */
    void requirePairFiles(Snapshot s, String from) {
        for (String key : s.files().keySet()) {
            if (!isPair(key)) {
                throw new IllegalArgumentException("the configuration from " + from + ", generation " + s.generation()
                        + ", holds the file '" + key + "', " + (isKey(key) ? "which is not one of this node's pair files ("
                                + String.join(", ", patterns) + "; org.hasm.ctcm pair.files)"
                                : "which is not a configuration file key (PID or FACTORYPID~NAME)")
                        + ": refused, nothing of it written");
            }
        }
    }

    /**
     * @return the properties of a file's content, as Configuration Admin receives them from the
     *     launcher (values stripped)
     * @throws IllegalArgumentException naming the file when it cannot be parsed
     */
    static SortedMap<String, String> properties(byte[] content, String where) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(content, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": cannot be parsed: " + e.getMessage());
        }
        SortedMap<String, String> map = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k).strip()));
        return map;
    }

    /**
     * Sets keys in a file's text: a key's line is replaced where it is (a value on continued lines
     * included), a new key is appended, a key mapped to {@code null} is removed.
     *
     * @param content the file as it is, or {@code null} for a new file
     * @throws IllegalArgumentException naming a key that is not a property key
     */
    static byte[] edit(byte[] content, Map<String, String> changes) {
        for (String k : changes.keySet()) {
            if (k == null || !PROPERTY_KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("'" + k + "' is not a configuration key (letters, digits, '.', '_', '-', ':')");
            }
        }
        List<String> lines = new ArrayList<>();
        if (content != null) {
            String text = new String(content, StandardCharsets.UTF_8);
            lines.addAll(List.of(text.split("\n", -1)));
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
        }
        Map<String, String> left = new java.util.LinkedHashMap<>(changes);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String key = keyOf(line);
            int last = i;
            while (key != null && continues(lines.get(last)) && last + 1 < lines.size()) {
                last++;
            }
            if (key != null && changes.containsKey(key)) {
                String value = changes.get(key);
                if (value != null && left.containsKey(key)) {
                    out.add(key + "=" + escape(value));
                }
                left.remove(key);
            } else {
                out.addAll(lines.subList(i, last + 1));
            }
            i = last;
        }
        left.forEach((k, v) -> {
            if (v != null) {
                out.add(k + "=" + escape(v));
            }
        });
        StringBuilder sb = new StringBuilder();
        out.forEach(l -> sb.append(l).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the key a properties line sets, or {@code null} for a comment or blank line */
    private static String keyOf(String line) {
        String s = line.stripLeading();
        if (s.isEmpty() || s.startsWith("#") || s.startsWith("!")) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                key.append(s.charAt(++i));
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static boolean continues(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    /** Properties syntax for a value: backslashes, line breaks and a leading space escaped. */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case ' ' -> sb.append(i == 0 ? "\\ " : " ");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * @return one line per key that differs between two versions of a file ({@code null}: absent),
     *     naming the file, the key and both values
     */
    static List<String> differences(String file, byte[] a, String aName, byte[] b, String bName) {
        List<String> lines = new ArrayList<>();
        if (a == null || b == null) {
            if (a != b) {
                lines.add(file + ": " + (a == null ? "absent from " + aName + ", present in " + bName
                        : "present in " + aName + ", absent from " + bName));
            }
            return lines;
        }
        SortedMap<String, String> pa = properties(a, aName + " " + file);
        SortedMap<String, String> pb = properties(b, bName + " " + file);
        TreeSet<String> keys = new TreeSet<>(pa.keySet());
        keys.addAll(pb.keySet());
        for (String k : keys) {
            if (!Objects.equals(pa.get(k), pb.get(k))) {
                lines.add(file + ": field " + k + " is " + shown(pa.get(k)) + " in " + aName + ", "
                        + shown(pb.get(k)) + " in " + bName);
            }
        }
        if (lines.isEmpty() && !java.util.Arrays.equals(a, b)) {
            lines.add(file + ": its text differs between " + aName + " and " + bName + " (comments or layout; no key"
                    + " differs)");
        }
        return lines;
    }

    private static String shown(String v) {
        return v == null ? "absent" : "'" + v + "'";
    }
}
