package org.hasm.ups.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.hasm.config.ConfigProblem;

/**
 * The configuration {@code org.hasm.ups}, validated: the same code at activation, at {@code init} and in
 * {@code hasm check} ({@link UpsCheck}). {@code problems} lists everything wrong, each naming its key; a
 * module with problems refuses to {@code init}, which puts the SCM in MONITOR.
 */
record Settings(String ups, String host, int port, String user, String password, Duration poll, Duration timeout,
        Policy.Rules rules, List<ConfigProblem> problems) {

    static final String UPS = "ups";
    static final String HOST = "host";
    static final String PORT = "port";
    static final String USER = "user";
    static final String PASSWORD = "password";
    static final String POLL = "poll.interval.ms";
    static final String TIMEOUT = "timeout.ms";
    static final String GRACE = "grace.ms";
    static final String PEER_WAIT = "peer.wait.ms";
    static final String ORDER_WAIT = "order.wait.ms";
    static final String ALARM = "alarm.action";
    static final String OVERLOAD = "overload.action";
    static final String REPLACE_BATTERY = "replace.battery.action";

    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 3493;
    static final long DEFAULT_POLL_MS = 2000;
    static final long DEFAULT_TIMEOUT_MS = 3000;
    static final long DEFAULT_GRACE_MS = 60_000;
    static final long DEFAULT_PEER_WAIT_MS = 30_000;
    static final long DEFAULT_ORDER_WAIT_MS = 15_000;

    // upsd's names: a UPS section of ups.conf, a user of upsd.users; no blanks, quotes or control characters
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    // a host name, an IPv4 or an IPv6 address (without brackets)
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,255}");

    Settings {
        problems = List.copyOf(problems);
    }

    static Settings of(UpsConfig c) {
        List<ConfigProblem> problems = new ArrayList<>();
        String ups = text(read(c::ups, UPS, "", problems));
        if (ups == null) {
            problems.add(problem(UPS, "is not set: name the UPS as upsd knows it (its section in ups.conf)"));
        } else if (!NAME.matcher(ups).matches()) {
            problems.add(problem(UPS, "'" + ups + "' is not a UPS name (letters, digits, '_', '.', ':', '-')"));
        }
        String host = text(read(c::host, HOST, DEFAULT_HOST, problems));
        if (host == null) {
            problems.add(problem(HOST, "is empty: name where upsd listens (" + DEFAULT_HOST + " by default)"));
            host = DEFAULT_HOST;
        } else if (!HOST_NAME.matcher(host).matches()) {
            problems.add(problem(HOST, "'" + host + "' is not an IP address or a host name"));
        }
        int port = (int) range(PORT, read(c::port, PORT, DEFAULT_PORT, problems), DEFAULT_PORT, 1, 65535, problems);
        String user = text(read(c::user, USER, "", problems));
        String password = read(c::password, PASSWORD, "", problems);
        if (user != null && !NAME.matcher(user).matches()) {
            problems.add(problem(USER, "'" + user + "' is not a upsd user name (letters, digits, '_', '.', ':', '-')"));
        }
        if (user != null && (password == null || password.isEmpty())) {
            problems.add(problem(PASSWORD, "is not set, but user is: upsd checks the user's password"));
        }
        if (user == null && password != null && !password.isEmpty()) {
            problems.add(problem(USER, "is not set, but password is: name the upsd user the password is for"));
        }
        if (password != null && password.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7f || ch == '"')) {
            problems.add(problem(PASSWORD, "holds a blank, a quote or a control character, which upsd cannot take"));
        }
        long poll = range(POLL, read(c::poll_interval_ms, POLL, DEFAULT_POLL_MS, problems), DEFAULT_POLL_MS, 100,
                600_000, problems);
        long timeout = range(TIMEOUT, read(c::timeout_ms, TIMEOUT, DEFAULT_TIMEOUT_MS, problems), DEFAULT_TIMEOUT_MS,
                100, 60_000, problems);
        long grace = range(GRACE, read(c::grace_ms, GRACE, DEFAULT_GRACE_MS, problems), DEFAULT_GRACE_MS, 0,
                86_400_000, problems);
        long peerWait = range(PEER_WAIT, read(c::peer_wait_ms, PEER_WAIT, DEFAULT_PEER_WAIT_MS, problems),
                DEFAULT_PEER_WAIT_MS, 100, 3_600_000, problems);
        long orderWait = range(ORDER_WAIT, read(c::order_wait_ms, ORDER_WAIT, DEFAULT_ORDER_WAIT_MS, problems),
                DEFAULT_ORDER_WAIT_MS, 0, 3_600_000, problems);
        Policy.Reaction alarm = reaction(ALARM, read(c::alarm_action, ALARM, "grace", problems), Policy.Reaction.GRACE,
                problems);
        Policy.Reaction overload = reaction(OVERLOAD, read(c::overload_action, OVERLOAD, "grace", problems),
                Policy.Reaction.GRACE, problems);
        Policy.Reaction replace = reaction(REPLACE_BATTERY, read(c::replace_battery_action, REPLACE_BATTERY, "event",
                problems), Policy.Reaction.EVENT, problems);
        String name = ups == null ? "?" : ups;
        Policy.Rules rules = new Policy.Rules(name + "@" + host + ":" + port, Duration.ofMillis(grace),
                Duration.ofMillis(peerWait), Duration.ofMillis(orderWait), alarm, overload, replace);
        return new Settings(ups, host, port, user, user == null ? null : password, Duration.ofMillis(poll),
                Duration.ofMillis(timeout), rules, problems);
    }

    private static Policy.Reaction reaction(String key, String raw, Policy.Reaction fallback,
            List<ConfigProblem> problems) {
        String v = text(raw);
        if (v == null) {
            return fallback;
        }
        try {
            return Policy.Reaction.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(problem(key, "'" + v + "' is not an action: expected grace, now or event"));
            return fallback;
        }
    }

    private static String text(String v) {
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static long range(String key, long n, long dflt, long min, long max, List<ConfigProblem> problems) {
        return ConfigProblem.range(UpsComponent.PID, key, n, dflt, min, max, problems);
    }

    private static ConfigProblem problem(String key, String reason) {
        return new ConfigProblem(UpsComponent.PID, key, reason);
    }

    private static <T> T read(java.util.function.Supplier<T> value, String key, T fallback,
            List<ConfigProblem> problems) {
        return ConfigProblem.read(value, UpsComponent.PID, key, fallback, problems);
    }

    List<String> problemLines() {
        return problems.stream().map(p -> p.key() + ": " + p.reason()).toList();
    }

    @Override
    public String toString() {
        // never the password
        return rules.ups() + (user == null ? "" : " as " + user) + ", poll " + poll.toMillis() + " ms, grace "
                + rules.grace().toMillis() + " ms";
    }
}
