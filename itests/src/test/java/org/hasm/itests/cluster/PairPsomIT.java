package org.hasm.itests.cluster;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PSOM on two real SCMs, driven through the service that uses it: a WebDAV LOCK is a PSOM object
 * (created, locked, written, unlocked by nas-http). What is stored is read from each SCM's data
 * folder, as a crash would leave it.
 */
class PairPsomIT {
    private static final Duration STEP = Duration.ofSeconds(20);
    private static final Duration REQUEST = Duration.ofSeconds(5);
    private static final Pattern SUMMARY =
            Pattern.compile("<- summary for `(\\w+)': of (\\d+) tests run: (\\d+) passed, (\\d+) failed\\.");
    private static final String HOOKS = "-Dhasm.psom.test.hooks=true -Dhasm.psom.test.halt-at=";
    /** The exit status of an SCM that halted itself at the step asked for. */
    private static final int HALTED = 86;

    @Test
    void aLockTakenOnEitherScmIsStoredOnBothAndLitmusLocksStayWhole(@TempDir Path work) throws Exception {
        Path litmus = Requirements.tool("litmus");
        Requirements.require(litmus != null, "litmus is not installed (apt-get install -y litmus)");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            for (Scm home : Scm.values()) {
                // scm-a is the MASTER: its lock is granted locally; scm-b's comes from scm-a
                String token = lock(pair.filesUrl(home).resolve("held-" + home.id() + ".txt"));
                String path = "/held-" + home.id() + ".txt";
                for (Scm scm : Scm.values()) {
                    Map<String, PsomFiles.Stored> stored = PsomFiles.read(pair.node(scm));
                    String name = "http/" + home.personality() + "/files/lock/" + token.replace("<", "")
                            .replace(">", "").replace("urn:uuid:", "");
                    PsomFiles.Stored s = stored.get(name);
                    assertTrue(s != null && s.text().contains(path), "the LOCK through " + home.personality()
                            + " was answered, so " + scm.id() + " holds " + name + " on its disk; it holds " + stored);
                }
            }
            // in the test's folder: litmus writes its debug.log and child.log where it runs
            Cli run = Cli.run(Duration.ofMinutes(3), "sh", "-c", "cd \"$0\" && exec \"$1\" -k \"$2\"",
                    work.toString(), litmus.toString(), pair.filesUrl(A).toString());
            Matcher m = SUMMARY.matcher(run.stdout());
            int suites = 0;
            while (m.find()) {
                suites++;
                assertEquals("0", m.group(4), "litmus suite " + m.group(1) + " on the pair:\n" + run.stdout());
            }
            assertEquals(5, suites, "basic, copymove, props, locks, http all ran:\n" + run.stdout() + run.stderr());
            System.out.println("# litmus on personality A of the pair (locks in PSOM): " + suites + " suites, all passed");
        }
    }

    @Test
    void aKilledLockHoldersLocksAreReleasedOnTheSurvivor(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            // scm-b (SLAVE) halts while nas-http holds the PSOM lock of the lock object it writes: the
            // create is the first write, the lock's value the second
            pair.wrap(B, List.of("env", "HASM_JAVA_OPTS=" + HOOKS + "write-begin#2"));
            PairFaultIT.startInDac(pair);
            URI file = pair.filesUrl(B).resolve("contended.txt");
            HttpClient client = client();
            assertEquals(201, send(client, file, "PUT", "x").statusCode());
            try {
                lockRequest(client, file);
            } catch (IOException e) {
                // scm-b halted in the middle of the answer
            }
            assertEquals(HALTED, pair.awaitExit(B, STEP), "scm-b halted at the hook:\n" + pair.stderr(B));
            pair.awaitState(A, "DEGRADED", "MASTER", STEP);
            Await.until("scm-a's log says it released the dead peer's PSOM lock", STEP,
                    () -> pair.log(A).lines().anyMatch(l -> l.contains("released its locks [http/B/files/lock/")),
                    pair::diagnostics);
            // the object scm-b had locked is free: nas-http on scm-a takes the file's WebDAV lock at once
            pair.awaitServedBy(B, A, STEP);
            HttpResponse<String> again = lockRequest(client, file);
            assertEquals(200, again.statusCode(), "LOCK through B on scm-a: " + again.body());
        }
    }

    @Test
    void aLockOutlivesAPowerCycleOfBothScms(@TempDir Path work) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            PairFaultIT.startInDac(pair);
            URI file = pair.filesUrl(B).resolve("kept.txt");
            String token = lock(file);
            // both lose power: the SLAVE first, then the MASTER
            pair.kill(B);
            pair.kill(A);
            PairFaultIT.startInDac(pair);
            pair.awaitServedBy(B, B, STEP);
            HttpClient client = client();
            assertEquals(423, send(client, file, "PUT", "without the token").statusCode(),
                    "the lock taken before both SCMs went down holds");
            HttpResponse<String> held = client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                    .header("If", "(" + token + ")").PUT(HttpRequest.BodyPublishers.ofString("with it")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, held.statusCode(), "PUT naming the token after the power cycle: " + held.body());
        }
    }

    @Test
    void aWriteKilledBeforeOrAfterItsSlotIsForcedLeavesTheOldOrTheNewValueOnBoth(@TempDir Path work)
            throws Exception {
        // scm-a writes first as MASTER (here and to scm-b in parallel), killed with its record written in
        // place but not forced; then, back after its kill, as SLAVE (to the MASTER scm-b first, then
        // here), killed once it is forced. The lock object's create makes its file (no slot step): the
        // lock's value is the first update
        killAtSteps(work, List.of("write-slot-written#1", "write-slot-forced#1"));
    }

    @Test
    void aWriteKilledOnceConfirmedLeavesTheNewValueOnBoth(@TempDir Path work) throws Exception {
        // killed once the write is durable where it must be, before the caller is told: as MASTER, as SLAVE
        killAtSteps(work, List.of("write-replicated#2", "write-replicated#2"));
    }

    /**
     * Halts scm-a at each step in turn, in a LOCK through A (the lock object's create is the first
     * write, the lock's value the second, an update: that one is cut), and checks both disks: the object is
     * there once, old (empty, as created) or new, and every file reads whole. At the end scm-a
     * returns and both hold the same copy of every object.
     */
    private static void killAtSteps(Path work, List<String> steps) throws Exception {
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            HttpClient client = client();
            int round = 0;
            for (String step : steps) {
                round++;
                pair.wrap(A, List.of("env", "HASM_JAVA_OPTS=" + HOOKS + step));
                if (round == 1) {
                    PairFaultIT.startInDac(pair);
                } else {
                    pair.start(A);
                    pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
                }
                pair.awaitServedBy(A, A, STEP);
                URI file = pair.filesUrl(A).resolve("k" + round + ".txt");
                assertEquals(201, send(client, file, "PUT", "x").statusCode());
                try {
                    lockRequest(client, file);
                } catch (IOException e) {
                    // halted in the middle of the answer
                }
                assertEquals(HALTED, pair.awaitExit(A, STEP), step + ": scm-a halted at the hook:\n" + pair.stderr(A));
                pair.awaitServedBy(A, B, STEP);
                String path = "/k" + round + ".txt";
                for (Scm scm : Scm.values()) {
                    // every file has an intact slot (PsomFiles checks the CRCs); the lock object of this round is
                    // there, empty as created (old) or holding the lock (new)
                    Map<String, PsomFiles.Stored> stored = PsomFiles.read(pair.node(scm));
                    List<PsomFiles.Stored> lockObjects = stored.values().stream()
                            .filter(o -> o.name().startsWith("http/A/files/lock/") && !o.deleted()).toList();
                    long withThisLock = lockObjects.stream().filter(o -> o.text().contains(path)).count();
                    long empty = lockObjects.stream().filter(o -> o.value().length == 0).count();
                    assertTrue(withThisLock + empty == 1, step + ": " + scm.id() + " holds the round's lock object"
                            + " once, old (empty) or new: " + stored);
                    if (step.startsWith("write-replicated")) {
                        assertEquals(1, withThisLock, step + ": confirmed, so " + scm.id() + " holds the new value: " + stored);
                    }
                    System.out.println("# killed at " + step + ": " + scm.id() + " holds it "
                            + (withThisLock == 1 ? "new" : "old"));
                }
            }
            // scm-a returns for good; after the resynchronisation both hold the same copy of every object
            pair.wrap(A, List.of());
            pair.start(A);
            pair.awaitState(A, "DAC", "SLAVE", Pair.BOOT);
            Map<String, PsomFiles.Stored> onA = PsomFiles.read(pair.node(A));
            Map<String, PsomFiles.Stored> onB = PsomFiles.read(pair.node(B));
            assertEquals(onB.keySet(), onA.keySet(), "the same objects on both after the resynchronisation");
            for (String name : onB.keySet()) {
                assertEquals(onB.get(name).text(), onA.get(name).text(), name + " on both");
            }
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    /** Locks {@code file} (exclusive write lock), @return its token. */
    private static String lock(URI file) throws IOException, InterruptedException {
        HttpClient client = client();
        assertEquals(201, send(client, file, "PUT", "locked").statusCode());
        HttpResponse<String> lock = lockRequest(client, file);
        assertEquals(200, lock.statusCode(), "LOCK " + file + ": " + lock.body());
        return lock.headers().firstValue("Lock-Token").orElseThrow(() -> new AssertionError("no Lock-Token"));
    }

    private static HttpResponse<String> lockRequest(HttpClient client, URI file) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(file).timeout(REQUEST).header("Timeout", "Second-3600")
                .method("LOCK", HttpRequest.BodyPublishers.ofString(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><D:lockinfo xmlns:D=\"DAV:\">"
                                + "<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
                                + "<D:owner>hasm psom test</D:owner></D:lockinfo>")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(HttpClient client, URI file, String method, String body)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(file).timeout(REQUEST)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
