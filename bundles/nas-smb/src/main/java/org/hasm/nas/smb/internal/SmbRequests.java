package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.spi.health.ServiceRequests;

/**
 * The SMB requests smbd answered, for the SCM's metrics: smbd counts every SMB2 call and its time itself
 * ({@code smbd profiling level = on} in each personality's smb.conf), and {@code smbstatus -P} reads them.
 * smbd keeps totals only, so these requests have no latency histogram: a count and a total time per
 * call, the outcome {@code any}.
 *
 * <p>Read at most every {@link #REFRESH_NANOS}: an smbstatus run costs some 40 ms of CPU, and a scrape every
 * second would otherwise run it every second for every personality. Nor is it run for an smbd that did
 * nothing since its last reading: what smbd and the connections' smbds it forked read and wrote (their
 * {@code /proc/PID/io} counters, which also hold what the ended connections did once smbd reaped them) is
 * compared first, a few small reads instead of a process. A personality that went away (released, or its smbd restarted) leaves its
 * last reading in the totals, so the counters only grow; requests answered between that reading and its
 * end are not counted.
 */
final class SmbRequests implements ServiceRequests {
    static final long REFRESH_NANOS = 10_000_000_000L;
    static final long SMBSTATUS_TIMEOUT_MS = 2_000;
    private static final Pattern LINE = Pattern.compile("^smb2_([a-z]+)_(count|time):\\s+(\\d+)\\s*$");

    /**
     * The calls of one personality's smbd: by SMB2 call, {count, microseconds}; and its activity when they
     * were read ({@link Activity}).
     */
    record Reading(long pid, Map<String, long[]> calls, long activity) {
    }

    private final Supplier<Map<String, Running>> running;
    private final LongSupplier clock;
    private final Reader reader;
    private final Activity activity;
    // guarded by this
    private final Map<String, Reading> last = new HashMap<>();
    private final Map<String, long[]> retired = new TreeMap<>();
    private long readAt = Long.MIN_VALUE;

    /** An smbd running now: its smb.conf and its pid (a new pid is a new smbd, whose counters start at 0). */
    record Running(Path conf, long pid) {
    }

    /** Reads one smbd's counters. */
    interface Reader {
        Map<String, long[]> read(Path conf) throws IOException;
    }

    /**
     * What an smbd has done so far, as a number that grows with every request it (or a connection it forked)
     * answers, or {@link #UNKNOWN}: then its counters are read every time.
     */
    interface Activity {
        long UNKNOWN = -1;

        long of(long pid);
    }

    SmbRequests(Supplier<Map<String, Running>> running) {
        this(running, System::nanoTime, SmbRequests::smbstatus, SmbRequests::io);
    }

    SmbRequests(Supplier<Map<String, Running>> running, LongSupplier clock, Reader reader, Activity activity) {
        this.running = running;
        this.clock = clock;
        this.reader = reader;
        this.activity = activity;
    }

    @Override
    public String protocol() {
        return "smb";
    }

    @Override
    public synchronized List<Requests> requests() {
        long now = clock.getAsLong();
        if (readAt == Long.MIN_VALUE || now - readAt >= REFRESH_NANOS) {
            readAt = now;
            refresh();
        }
        Map<String, long[]> total = new TreeMap<>();
        retired.forEach((call, v) -> add(total, call, v));
        last.values().forEach(r -> r.calls().forEach((call, v) -> add(total, call, v)));
        List<Requests> out = new ArrayList<>();
        total.forEach((call, v) -> out.add(new Requests(call, "any", v[0], v[1] / 1e6, List.of())));
        return out;
    }

    private void refresh() {
        Map<String, Running> now = running.get();
        for (String personality : new ArrayList<>(last.keySet())) {
            Running r = now.get(personality);
            if (r == null || r.pid() != last.get(personality).pid()) {
                last.remove(personality).calls().forEach((call, v) -> add(retired, call, v));
            }
        }
        now.forEach((personality, r) -> {
            long done = activity.of(r.pid());
            Reading before = last.get(personality);
            if (done != Activity.UNKNOWN && before != null && before.activity() == done) {
                return; // nothing answered since: the reading stands
            }
            try {
                last.put(personality, new Reading(r.pid(), reader.read(r.conf()), done));
            } catch (IOException e) {
                // not readable now (smbd starting or stopping): the last reading stands
            }
        });
    }

    private static void add(Map<String, long[]> into, String call, long[] v) {
        long[] t = into.computeIfAbsent(call, k -> new long[2]);
        t[0] += v[0];
        t[1] += v[1];
    }

    /** @return smbstatus -P's SMB2 calls of the smbd of {@code conf} that were made at least once */
    static Map<String, long[]> smbstatus(Path conf) throws IOException {
        Path tool = Samba.find("smbstatus");
        if (tool == null) {
            throw new IOException("smbstatus is not installed");
        }
        Commands.Result r = Commands.run(List.of(tool.toString(), "-s", conf.toString(), "-P"), null,
                SMBSTATUS_TIMEOUT_MS);
        if (r.exit() != 0) {
            throw new IOException("smbstatus -P exited with " + r.exit());
        }
        return parse(r.output());
    }

    /**
     * @return the characters smbd {@code pid} and its children (one per connection) read and wrote, with the
     *     calls that did it, those of the children it reaped included; {@link Activity#UNKNOWN} if {@code /proc}
     *     does not say (not Linux, another user's process)
     */
    static long io(long pid) {
        Path proc = Path.of("/proc");
        try {
            long sum = ioOf(proc.resolve(Long.toString(pid)));
            String children = Files.readString(proc.resolve(pid + "/task/" + pid + "/children"), StandardCharsets.US_ASCII);
            for (String child : children.trim().split("\\s+")) {
                if (!child.isEmpty()) {
                    try {
                        sum += ioOf(proc.resolve(child));
                    } catch (IOException e) {
                        // a connection that ended meanwhile: its parent counts it once reaped, and the sum moved
                        sum++;
                    }
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return Activity.UNKNOWN;
        }
    }

    private static long ioOf(Path process) throws IOException {
        long sum = 0;
        for (String line : Files.readAllLines(process.resolve("io"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("rchar:") || line.startsWith("wchar:") || line.startsWith("syscr:")
                    || line.startsWith("syscw:")) {
                sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return sum;
    }

    static Map<String, long[]> parse(String output) {
        Map<String, long[]> calls = new TreeMap<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                long[] v = calls.computeIfAbsent(m.group(1).toUpperCase(Locale.ROOT), k -> new long[2]);
                v["count".equals(m.group(2)) ? 0 : 1] = Long.parseLong(m.group(3));
            }
        }
        calls.values().removeIf(v -> v[0] == 0);
        return calls;
    }
}
