package org.hasm.itests.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.campaign.LogEvents;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the time of a takeover goes, read from the survivor's {@code log/hasm.log} (each line starts
 * with its ISO instant, ms resolution, the same wall clock as the test's): the MASTER is killed
 * with {@code kill -9}, the SLAVE impersonates MASTER and takes the personality over. Each run
 * restarts the killed SCM (it rejoins as SLAVE), so the pair alternates as in {@link FailoverBench}.
 * Tuned timing (interval 50 ms, counter 4), the demo's process fence agent. Figures only.
 *
 * <p>Measured twice: as the demo installs it, and with a third-party service that hangs in its
 * takeover opMode ({@code takeover.hung.*}: a test bundle in both deploy folders, ranked before
 * every other service, blocking in {@code opMode(MASTER, DEGRADED)} past the default deadline).
 * Services are called in parallel, so the healthy services' figures should be the same within noise.
 *
 * <p>The steps and the lines that bound them (all on the survivor):
 * <ul>
 * <li>detection: the kill → "peer X is DEAD" (it includes fencing, if any); detection.evidence ends
 *     where the survivor first saw evidence that the peer's process may be gone and asked its fence
 *     agent ("whether it is stopped": the link's connections reset or refused by the peer's kernel,
 *     its status ports unreachable), detection.probe is that question → "certainly stopped";
 *     detection.network ends at "unreachable on every network" and detection.storage at "channel disk
 *     to X is BAD" (the storage heartbeat's lease ran out), in the runs where those came before DEAD;
 * <li>fencing: "fencing the peer" → "was fenced by", in the runs where the agent fenced before the
 *     lease ran out (with the process agent the probe usually finds the killed process gone first,
 *     and no fence is needed);
 * <li>decision: "is DEAD" → the controller's "FAILOVER" transition line;
 * <li>volume: that transition → "volume V acquired" (the storage module logs nothing at INFO when it
 *     starts acquiring; the transition line, which starts the HASM modules' opMode calls in rank
 *     order, is the closest earlier mark, so this step includes the modules called before storage);
 * <li>address: "volume V acquired" → "ADDRESS (P) is up" (netif);
 * <li>state: "is up" → "state=DEGRADED": the controller publishes the state once the HASM tier is
 *     done, and starts the services;
 * <li>service: "is up" → the later of service.http ("serving personality P on", nas-http opening the
 *     export) and service.example ("opMode(MASTER, DEGRADED): serving"): the healthy services serve;
 * <li>total: the kill → the healthy services serving.
 * </ul>
 */
class TakeoverSplitBench {

    private static final Timing TUNED = new Timing(50, 4, 2000);
    private static final int RUNS = 5;
    /** A line of log/hasm.log: instant, level, [bundle], message. */
    private static final Pattern LINE =
            Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\S+Z)\\s+\\w+\\s+\\[[^\\]]+\\]\\s(.*)$");
    private static final String[] STEPS = {"detection", "detection.evidence", "detection.probe", "detection.network",
        "detection.storage", "fencing", "decision", "volume", "address", "state", "service", "service.http",
        "service.example", "total"};
    /** Blocks in the takeover's opMode for up to a minute, well past the default deadline of 10 s. */
    private static final String HUNG_MODULES = "hung;rank=10;block=OPMODE;when=DEGRADED";

    @Test
    void killOfTheMasterSplitIntoSteps(@TempDir Path work) throws Exception {
        measure(work, "takeover", false);
    }

    @Test
    void killOfTheMasterWithAHungServiceSplitIntoSteps(@TempDir Path work) throws Exception {
        measure(work, "takeover.hung", true);
    }

    private static void measure(Path work, String bench, boolean hung) throws Exception {
        Map<String, List<Long>> figures = new LinkedHashMap<>();
        for (String step : STEPS) {
            figures.put(step, new ArrayList<>());
        }
        try (Pair pair = Pair.create(work, TUNED.startedTogether())) {
            if (hung) {
                Path jar = TestBundles.build("hasm.bench.hung", HUNG_MODULES);
                for (Scm scm : Scm.values()) {
                    Files.copy(jar, pair.node(scm).resolve("deploy").resolve("hasm.bench.hung.jar"));
                }
            }
            pair.start(Scm.A);
            pair.start(Scm.B);
            Scm master = Scm.A;
            for (int run = 0; run < RUNS; run++) {
                Scm survivor = master.other();
                // with the hung service, a FAILBACK waits for its overrun call's deadline: settling takes longer
                pair.awaitSettled(master == Scm.A ? "DAC/MASTER" : "DAC/SLAVE",
                        master == Scm.A ? "DAC/SLAVE" : "DAC/MASTER", Duration.ofSeconds(1), Pair.BOOT.multipliedBy(2));
                pair.awaitStatus(survivor, "peer alive", Pair.BOOT, s -> s.path("peer").path("alive").asBoolean());
                int from = pair.log(survivor).length();

                Instant killed = Instant.now();
                pair.kill(master);
                String[] log = {""};
                String example = "opMode(MASTER, DEGRADED): serving";
                String http = "serving personality " + master.personality() + " on";
                Await.until(survivor.id() + " to log DEGRADED and both services serving", Duration.ofSeconds(30), () -> {
                    log[0] = pair.log(survivor).substring(from);
                    return log[0].contains("state=DEGRADED") && log[0].contains(example) && log[0].contains(http);
                }, pair::diagnostics);
                Map<String, Long> split = split(killed, log[0], master, pair);
                System.out.println("# " + bench + " run " + run + " (" + master.id() + " killed): " + split);
                split.forEach((step, ms) -> figures.get(step).add(ms));

                pair.start(master); // rejoins as SLAVE: the survivor is the next run's MASTER
                master = survivor;
            }
        }
        System.out.println("# " + bench + " split: interval " + TUNED.intervalMs() + " ms, counter " + TUNED.counter()
                + ", fence agent process, " + RUNS + " runs" + (hung ? ", a service hung in its takeover" : "")
                + "; ms per step: " + figures);
        for (String step : STEPS) {
            List<Long> values = figures.get(step);
            if (values.isEmpty()) {
                // e.g. fencing: the storage lease declared the peer dead before the agent was asked
                System.out.println("# " + bench + "." + step + ": in no run (no such lines before the peer was DEAD)");
                continue;
            }
            values.sort(null);
            System.out.println("# " + bench + "." + step + ": in " + values.size() + " of " + RUNS + " runs");
            BenchReport.print(bench + "." + step + ".median", values.get(values.size() / 2), "ms");
        }
    }

    /**
     * @return ms per step of one takeover, from the survivor's log since the kill; a step whose
     *     lines are not there (fencing, when the storage lease ran out first) is left out
     */
    private static Map<String, Long> split(Instant killed, String log, Scm dead, Pair pair) {
        String peer = dead.id();
        String personality = dead.personality();
        Instant evidence = find(log, "whether it is stopped");
        Instant certain = find(log, "the peer " + peer + " is certainly stopped");
        Instant network = find(log, "the peer " + peer + " is unreachable on every network");
        Instant storage = find(log, LogEvents.channelBad("disk", peer));
        Instant fencing = find(log, "fencing the peer " + peer);
        Instant fenced = find(log, "the peer " + peer + " was fenced by");
        Instant dead2 = at(log, "peer " + peer + " is DEAD", pair);
        Instant decision = at(log, "FAILOVER", pair);
        Instant acquired = at(log, "volume " + pair.volume(dead) + " acquired", pair);
        Instant up = at(log, pair.personalityAddress(dead) + " (" + personality + ") is up", pair);
        Instant http = at(log, "serving personality " + personality + " on", pair);
        Instant example = at(log, "opMode(MASTER, DEGRADED): serving", pair);
        Instant degraded = at(log, "state=DEGRADED", pair);
        Instant served = http.isAfter(example) ? http : example;
        Map<String, Long> ms = new LinkedHashMap<>();
        ms.put("detection", millis(killed, dead2));
        if (evidence != null && !evidence.isAfter(dead2)) {
            ms.put("detection.evidence", millis(killed, evidence));
            if (certain != null && !certain.isAfter(dead2)) {
                ms.put("detection.probe", millis(evidence, certain));
            }
        }
        if (network != null && !network.isAfter(dead2)) {
            ms.put("detection.network", millis(killed, network));
        }
        if (storage != null && !storage.isAfter(dead2)) {
            ms.put("detection.storage", millis(killed, storage));
        }
        if (fencing != null && fenced != null && !fenced.isAfter(dead2)) {
            ms.put("fencing", millis(fencing, fenced));
        }
        ms.put("decision", millis(dead2, decision));
        ms.put("volume", millis(decision, acquired));
        ms.put("address", millis(acquired, up));
        ms.put("state", millis(up, degraded));
        ms.put("service", millis(up, served));
        ms.put("service.http", millis(up, http));
        ms.put("service.example", millis(up, example));
        ms.put("total", millis(killed, served));
        return ms;
    }

    private static Instant at(String log, String text, Pair pair) {
        Instant at = find(log, text);
        if (at == null) {
            throw new AssertionError("no line with '" + text + "' in the survivor's log since the kill:\n" + log
                    + pair.diagnostics());
        }
        return at;
    }

    /** @return the instant of the first line since the kill in which {@code pattern} is found, null if none */
    private static Instant find(String log, Pattern pattern) {
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && pattern.matcher(m.group(2)).find()) {
                return Instant.parse(m.group(1));
            }
        }
        return null;
    }

    /** @return the instant of the first line since the kill that contains {@code text}, null if none does */
    private static Instant find(String log, String text) {
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(2).contains(text)) {
                return Instant.parse(m.group(1));
            }
        }
        return null;
    }

    private static long millis(Instant from, Instant to) {
        return Duration.between(from, to).toMillis();
    }
}
