package org.hasm.alerts.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.hasm.config.ConfigProblem;

/**
 * The configuration {@value AlertsComponent#PID}, validated: the same code at activation and in
 * {@code hasm check} ({@link AlertsCheck}). {@code problems} lists everything wrong, each naming its key; a
 * component with problems sends nothing and refuses to {@code init}, which puts the SCM in MONITOR.
 *
 * @param token the webhook token read from {@link #tokenFile}, or {@code null}: never shown
 */
record Settings(List<Path> scripts, List<URI> webhooks, Path tokenFile, String token, Set<String> kinds,
        Duration timeout, int queueMax, int retries, List<ConfigProblem> problems) {

    static final String SCRIPTS = "alert.scripts";
    static final String WEBHOOKS = "alert.webhooks";
    static final String TOKEN_FILE = "alert.webhook.token.file";
    static final String KINDS = "alert.kinds";
    static final String TIMEOUT = "alert.timeout.ms";
    static final String QUEUE_MAX = "alert.queue.max";
    static final String RETRIES = "alert.webhook.retries";

    static final long DEFAULT_TIMEOUT_MS = 5000;
    static final long MIN_TIMEOUT_MS = 100;
    static final long MAX_TIMEOUT_MS = 300_000;
    static final int DEFAULT_QUEUE_MAX = 1000;
    static final int DEFAULT_RETRIES = 2;
    /** A token file larger than this is no token. */
    private static final long TOKEN_MAX_BYTES = 16 * 1024;

    private static final Pattern USER_INFO = Pattern.compile("(?<=//)[^/?#]*@");
    private static final Pattern QUERY = Pattern.compile("\\?.*$");

    Settings {
        scripts = List.copyOf(scripts);
        webhooks = List.copyOf(webhooks);
        kinds = Set.copyOf(kinds);
        problems = List.copyOf(problems);
    }

    /** @return the settings with no recipient, for a component not configured */
    static Settings none() {
        return new Settings(List.of(), List.of(), null, null, Set.copyOf(Kinds.ALL),
                Duration.ofMillis(DEFAULT_TIMEOUT_MS), DEFAULT_QUEUE_MAX, DEFAULT_RETRIES, List.of());
    }

    static Settings of(AlertsConfig c) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<Path> scripts = new ArrayList<>();
        for (String s : entries(read(c::alert_scripts, SCRIPTS, new String[0], problems))) {
            Path p = script(s, problems);
            if (p != null && scripts.contains(p)) {
                problems.add(problem(SCRIPTS, "'" + s + "' is listed twice"));
            } else if (p != null) {
                scripts.add(p);
            }
        }
        List<URI> webhooks = new ArrayList<>();
        for (String s : entries(read(c::alert_webhooks, WEBHOOKS, new String[0], problems))) {
            URI u = webhook(s, problems);
            if (u != null && webhooks.contains(u)) {
                problems.add(problem(WEBHOOKS, "'" + hide(s) + "' is listed twice"));
            } else if (u != null) {
                webhooks.add(u);
            }
        }
        Path tokenFile = null;
        String token = null;
        String file = read(c::alert_webhook_token_file, TOKEN_FILE, "", problems);
        if (file != null && !file.isBlank()) {
            try {
                tokenFile = Path.of(file.strip());
                token = token(tokenFile, problems);
            } catch (InvalidPathException e) {
                problems.add(problem(TOKEN_FILE, "'" + file.strip() + "' is not a path: " + e.getMessage()));
            }
        }
        Set<String> kinds = new LinkedHashSet<>();
        List<String> named = entries(read(c::alert_kinds, KINDS, Kinds.ALL.toArray(new String[0]), problems));
        if (named.isEmpty()) {
            problems.add(problem(KINDS, "is empty: name the kinds to send (" + String.join(", ", Kinds.ALL)
                    + "), or leave the key out for all of them"));
        }
        for (String k : named) {
            String kind = k.toLowerCase(Locale.ROOT);
            if (Kinds.ALL.contains(kind)) {
                kinds.add(kind);
            } else {
                problems.add(problem(KINDS, "'" + k + "' is not a kind: expected " + String.join(", ", Kinds.ALL)));
            }
        }
        long timeout = range(TIMEOUT, read(c::alert_timeout_ms, TIMEOUT, DEFAULT_TIMEOUT_MS, problems),
                DEFAULT_TIMEOUT_MS, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, problems);
        int queueMax = (int) range(QUEUE_MAX, read(c::alert_queue_max, QUEUE_MAX, DEFAULT_QUEUE_MAX, problems),
                DEFAULT_QUEUE_MAX, 1, 1_000_000, problems);
        int retries = (int) range(RETRIES, read(c::alert_webhook_retries, RETRIES, DEFAULT_RETRIES, problems),
                DEFAULT_RETRIES, 0, 10, problems);
        return new Settings(scripts, webhooks, tokenFile, token, kinds, Duration.ofMillis(timeout), queueMax, retries,
                problems);
    }

    private static Path script(String s, List<ConfigProblem> problems) {
        Path p;
        try {
            p = Path.of(s);
        } catch (InvalidPathException e) {
            problems.add(problem(SCRIPTS, "'" + s + "' is not a path: " + e.getMessage()));
            return null;
        }
        if (!p.isAbsolute()) {
            problems.add(problem(SCRIPTS, "'" + s + "' is not an absolute path"));
        } else if (!Files.exists(p)) {
            problems.add(problem(SCRIPTS, "'" + s + "' does not exist"));
        } else if (!Files.isRegularFile(p)) {
            problems.add(problem(SCRIPTS, "'" + s + "' is not a file"));
        } else if (!Files.isExecutable(p)) {
            problems.add(problem(SCRIPTS, "'" + s + "' is not executable (chmod +x)"));
        } else {
            return p;
        }
        return null;
    }

    private static URI webhook(String s, List<ConfigProblem> problems) {
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            problems.add(problem(WEBHOOKS, "'" + hide(s) + "' is not a URL (" + hide(e.getReason()) + ")"));
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            problems.add(problem(WEBHOOKS, "'" + hide(s) + "' is not an http or https URL"));
            return null;
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            problems.add(problem(WEBHOOKS, "'" + hide(s) + "' names no host"));
            return null;
        }
        return u;
    }

    private static String token(Path file, List<ConfigProblem> problems) {
        if (!Files.exists(file)) {
            problems.add(problem(TOKEN_FILE, "'" + file + "' does not exist"));
            return null;
        }
        if (!Files.isRegularFile(file)) {
            problems.add(problem(TOKEN_FILE, "'" + file + "' is not a file"));
            return null;
        }
        if (!Files.isReadable(file)) {
            problems.add(problem(TOKEN_FILE, "'" + file + "' cannot be read by this process"));
            return null;
        }
        String token;
        try {
            if (Files.size(file) > TOKEN_MAX_BYTES) {
                problems.add(problem(TOKEN_FILE, "'" + file + "' is larger than " + TOKEN_MAX_BYTES + " bytes: no token"));
                return null;
            }
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            // the message names the file, never its content
            problems.add(problem(TOKEN_FILE, "'" + file + "' cannot be read: " + e.getClass().getSimpleName()));
            return null;
        }
        if (token.isEmpty()) {
            problems.add(problem(TOKEN_FILE, "'" + file + "' is empty"));
            return null;
        }
        if (token.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7f)) {
            problems.add(problem(TOKEN_FILE, "'" + file + "' holds a blank, a line break or a control character"
                    + " within the token (a bearer token is one word)"));
            return null;
        }
        return token;
    }

    /** @return the values of a list key: each element, split at commas, trimmed, blanks left out */
    static List<String> entries(String[] raw) {
        List<String> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (String element : raw) {
            if (element == null) {
                continue;
            }
            for (String part : element.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    /** @return a URL as it may be shown: user information and query hidden */
    static String hide(String url) {
        if (url == null) {
            return null;
        }
        return QUERY.matcher(USER_INFO.matcher(url).replaceFirst("***@")).replaceFirst("?***");
    }

    private static long range(String key, long n, long dflt, long min, long max, List<ConfigProblem> problems) {
        return ConfigProblem.range(AlertsComponent.PID, key, n, dflt, min, max, problems);
    }

    private static ConfigProblem problem(String key, String reason) {
        return new ConfigProblem(AlertsComponent.PID, key, reason);
    }

    private static <T> T read(Supplier<T> value, String key, T fallback, List<ConfigProblem> problems) {
        return ConfigProblem.read(value, AlertsComponent.PID, key, fallback, problems);
    }

    boolean recipients() {
        return !scripts.isEmpty() || !webhooks.isEmpty();
    }

    List<String> problemLines() {
        return problems.stream().map(p -> p.key() + ": " + p.reason()).toList();
    }

    @Override
    public String toString() {
        // never the token
        return scripts.size() + " script(s) " + scripts + ", " + webhooks.size() + " webhook(s) "
                + webhooks.stream().map(u -> hide(u.toString())).toList() + (token == null ? "" : " with a token")
                + ", kinds " + Kinds.ALL.stream().filter(kinds::contains).toList() + ", timeout " + timeout.toMillis()
                + " ms, queue " + queueMax + ", retries " + retries;
    }
}
