package org.hasm.storage.internal.fence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hasm.storage.internal.Await;
import org.hasm.storage.internal.Children;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessFenceTest {

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final Reporter reporter = new Reporter() {
        @Override
        public void info(String message) {
            reports.add("INFO " + message);
        }

        @Override
        public void warn(String message) {
            reports.add("WARN " + message);
        }
    };

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "child " + p.pid() + " ends");
        }
    }

    private Process start(Path cwd, String... args) throws IOException {
        ProcessBuilder pb = Children.java(FakeScm.class, args);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        Process p = pb.start();
        children.add(p);
        return p;
    }

    private Path node(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    private ProcessFence fence(Path nodeDir) {
        return new ProcessFence(nodeDir.resolve("hasm.pid"), CommandLines.system(), reporter);
    }

    private static void pidFile(Path nodeDir, long pid) throws IOException {
        Files.writeString(nodeDir.resolve("hasm.pid"), pid + "\n");
    }

    @Test
    void killsTheVerifiedPeerAndItsChildren() throws Exception {
        Path b = node("scm-b");
        Process peer = start(null, "org.hasm.launcher.Main", "run", b.toString(), "--with-child");
        Await.until("the fake SCM started its child", () -> peer.descendants().findAny().isPresent(), () -> reports);
        List<ProcessHandle> family = peer.descendants().toList();
        pidFile(b, peer.pid());

        // asked whether it is stopped, the agent says no and touches nothing
        assertFalse(fence(b).stopped("scm-b"), reports.toString());
        assertTrue(peer.isAlive());

        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(10)), reports.toString());
        // killed; the test JVM, its parent, reaps it a moment later
        Await.until("the killed peer reaped", () -> !peer.isAlive(), () -> reports);
        assertTrue(fence(b).stopped("scm-b"), "a killed peer is certainly stopped; " + reports);
        CommandLines cl = CommandLines.system();
        for (ProcessHandle d : family) {
            assertTrue(cl.gone(d), "descendant " + d.pid() + " is killed too");
        }
        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(10)), "idempotent: a dead peer is fenced; " + reports);
    }

    @Test
    void theCheckNamesWhatAFenceWouldKillAndKillsNothing() throws Exception {
        CommandLines cl = CommandLines.system();
        assumeTrue(cl.hidden().isEmpty(), "the process table is not fully visible here");
        assumeTrue(ProcessHandle.allProcesses().noneMatch(p -> cl.of(p) instanceof CommandLines.Unreadable),
                "some processes cannot be inspected here");
        Path b = node("scm-b");
        var none = fence(b).check("scm-b");
        assertTrue(none.ready(), "no pid file, no peer: a fence would find it stopped; " + none);
        assertTrue(none.detail().contains("would find the peer stopped"), none.detail());

        Process peer = start(null, "org.hasm.launcher.Main", "run", b.toString(), "--with-child");
        Await.until("the fake SCM started its child", () -> peer.descendants().findAny().isPresent(), () -> reports);
        var unnamed = fence(b).check("scm-b");
        assertFalse(unnamed.ready(), "the peer runs under a pid its pid file does not name: " + unnamed);
        assertTrue(unnamed.detail().contains("runs as pid [" + peer.pid() + "]"), unnamed.detail());

        pidFile(b, peer.pid());
        var named = fence(b).check("scm-b");
        assertTrue(named.ready(), named.toString());
        assertTrue(named.detail().startsWith("would kill pid " + peer.pid() + " (hasm of " + b.toRealPath()), named.detail());
        assertTrue(named.detail().contains("and its 1 descendant(s)"), named.detail());
        assertTrue(peer.isAlive() && peer.descendants().findAny().isPresent(), "the check killed nothing");

        Process stranger = start(null, "run", b.toString()); // the folder, but not hasm: a stale pid file
        pidFile(b, stranger.pid());
        var stale = fence(b).check("scm-b");
        assertFalse(stale.ready(), "the peer still runs unnamed: " + stale);
        assertTrue(stale.detail().contains("is stale: pid " + stranger.pid()), stale.detail());
        assertTrue(stranger.isAlive() && peer.isAlive());

        pidFile(b, ProcessHandle.current().pid());
        var self = fence(b).check("scm-b");
        assertFalse(self.ready());
        assertTrue(self.detail().contains("names this very SCM's process"), self.detail());
    }

    @Test
    void resolvesARelativeNodeFolderAgainstThePeersWorkingFolder() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        Path b = node("scm-b");
        Path real = dir.toRealPath();
        Process peer = start(dir, "org.hasm.launcher.Main", "run", "scm-b");
        // its main class and its working folder both in sight (once seen, under load, with the folder not yet the test's)
        Await.until("the peer runs its main class in its folder", () -> CommandLines.system().of(peer.toHandle())
                instanceof CommandLines.Args a && a.args().contains("org.hasm.launcher.Main") && real.equals(a.cwd()),
                () -> CommandLines.system().of(peer.toHandle()));
        pidFile(b, peer.pid());
        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(10)), reports.toString());
        assertTrue(peer.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    void neverKillsAProcessWhoseCommandLineDoesNotMatch() throws Exception {
        Path b = node("scm-b");
        Path other = node("scm-other");
        Process notLauncher = start(null, "run", b.toString());               // the folder, but not hasm
        Process otherNode = start(null, "org.hasm.launcher.Main", "run", other.toString()); // hasm, another folder
        // and the real peer, under a pid its pid file does not name: fenced it is not, killed neither
        Process peer = start(null, "org.hasm.launcher.Main", "run", b.toString());
        Await.until("the children are up", () -> CommandLines.system().of(peer.toHandle()) instanceof CommandLines.Args a
                && a.args().contains(b.toString()), () -> "");

        for (Process wrong : List.of(notLauncher, otherNode)) {
            pidFile(b, wrong.pid());
            assertFalse(fence(b).fence("scm-b", Duration.ofSeconds(5)), reports.toString());
            assertTrue(wrong.isAlive(), "pid " + wrong.pid() + " was not killed");
        }
        assertTrue(peer.isAlive());
        assertTrue(reports.stream().anyMatch(r -> r.contains("runs as pid [" + peer.pid() + "]")), reports.toString());

        pidFile(b, ProcessHandle.current().pid());
        assertFalse(fence(b).fence("scm-b", Duration.ofSeconds(5)));
        assertTrue(reports.stream().anyMatch(r -> r.contains("this very process")), reports.toString());
    }

    @Test
    void aMissingPidFileIsFencedOnlyIfNoProcessRunsThePeer() throws Exception {
        CommandLines cl = CommandLines.system();
        assumeTrue(cl.hidden().isEmpty(), "the process table is not fully visible here");
        assumeTrue(ProcessHandle.allProcesses().noneMatch(p -> cl.of(p) instanceof CommandLines.Unreadable),
                "some processes cannot be inspected here");
        Path b = node("scm-b");
        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(5)), "no pid file, no peer: " + reports);
        Files.writeString(b.resolve("hasm.pid"), "not a pid");
        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(5)), reports.toString());

        Process peer = start(null, "org.hasm.launcher.Main", "run", b.toString());
        Files.delete(b.resolve("hasm.pid"));
        Await.until("the peer is visible", () -> cl.of(peer.toHandle()) instanceof CommandLines.Args a
                && a.args().contains(b.toString()), () -> "");
        assertFalse(fence(b).fence("scm-b", Duration.ofSeconds(5)), "the peer runs: " + reports);
        assertTrue(peer.isAlive());
    }

    @Test
    void aDeadPidIsFencedWhenNothingElseRunsThePeer() throws Exception {
        CommandLines cl = CommandLines.system();
        assumeTrue(cl.hidden().isEmpty(), "the process table is not fully visible here");
        Path b = node("scm-b");
        Process gone = start(null, "org.hasm.launcher.Main", "run", b.toString());
        gone.destroyForcibly();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        pidFile(b, gone.pid());
        boolean fenced = fence(b).fence("scm-b", Duration.ofSeconds(5));
        if (reports.stream().noneMatch(r -> r.contains("cannot be inspected"))) {
            assertTrue(fenced, reports.toString());
        } else {
            assertFalse(fenced);
        }
        assertEquals(1, reports.stream().filter(r -> r.contains("hasm of " + b)).count(), reports.toString());
    }

    /**
     * A file server the peer started (its smbd, say) may outlive the peer's JVM: the peer is fenced only
     * once every process that carries the peer's marker is gone, and the fence kills them. A process
     * marked with another SCM's folder, or one that only names the peer's folder, is never touched.
     */
    @Test
    void aDeadPeersMarkedProcessesAreKilledAndNoOtherIs() throws Exception {
        CommandLines cl = CommandLines.system();
        assumeTrue(cl.hidden().isEmpty(), "the process table is not fully visible here");
        Path b = node("scm-b");
        Path c = node("scm-c");
        Process server = marked(b, "read -t 60 x");
        Process other = marked(c, "read -t 60 x");
        Process stranger = new ProcessBuilder("bash", "-c", "read -t 60 x", "x", b.toString()).start();
        children.add(stranger);
        Await.until("the marked process is seen", () -> cl.marked(ProcessFence.CHILD_MARKER, b.toString())
                .equals(List.of(server.pid())), () -> cl.marked(ProcessFence.CHILD_MARKER, b.toString()));
        assertTrue(fence(b).fence("scm-b", Duration.ofSeconds(5)), reports.toString());
        assertTrue(server.waitFor(5, TimeUnit.SECONDS), "the peer's marked process is killed");
        assertTrue(other.isAlive(), "a process marked with another SCM's folder");
        assertTrue(stranger.isAlive(), "a process that only names the peer's folder");
        assertTrue(reports.stream().anyMatch(r -> r.contains("process(es) [" + server.pid() + "] the peer started")),
                reports.toString());
        assertTrue(fence(b).stopped("scm-b"), reports.toString());
    }

    private Process marked(Path nodeDir, String script) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
        pb.environment().put(ProcessFence.CHILD_MARKER, nodeDir.toAbsolutePath().normalize().toString());
        Process p = pb.start();
        children.add(p);
        return p;
    }

    /**
     * A peer killed a moment ago is still dying for a while: its main thread is a zombie, its command
     * line empty, its other threads still exiting while the kernel frees its memory (a JVM that touched
     * a large heap takes up to a second). Read then, it is no process of hasm's, and its pid file looks
     * stale; it must be waited for, never called stopped (nor fenced) before it is gone.
     */
    @Test
    void aDyingPeerIsWaitedForAndNeverCalledStoppedBeforeItIsGone() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        CommandLines cl = CommandLines.system();
        assumeTrue(cl.hidden().isEmpty(), "the process table is not fully visible here");
        Path b = node("scm-b");
        for (boolean kill : new boolean[] {false, true}) {
            boolean judged = false;
            // bounded: a few tries to catch the peer while it dies (a loaded machine may be slow to look)
            for (int attempt = 0; attempt < 3 && !judged; attempt++) {
                ProcessBuilder pb = Children.java(FakeScm.class, "org.hasm.launcher.Main", "run", b.toString());
                // after "java": a heap touched in full, which the kernel takes its time to free at exit
                pb.command().addAll(1, List.of("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"));
                Process peer = pb.start();
                children.add(peer);
                ProcessHandle handle = peer.toHandle();
                Await.until("the peer runs, its heap touched", Duration.ofSeconds(60), () -> residentMiB(handle) > 1500,
                        () -> residentMiB(handle) + " MiB resident");
                pidFile(b, peer.pid());
                handle.destroyForcibly();
                Await.until("the peer dying", () -> dying(handle) || threads(handle) == 0, () -> reports);
                if (!dying(handle)) {
                    continue; // it died before we could look: try again
                }
                reports.clear();
                ProcessFence fence = fence(b);
                boolean stopped = kill ? fence.fence("scm-b", Duration.ofSeconds(10)) : fence.stopped("scm-b");
                // read from /proc here, not through the code under test
                long threads = threads(handle);
                assertTrue(!stopped || threads <= 1, (kill ? "fenced" : "called stopped") + " while pid "
                        + handle.pid() + " was still exiting (" + threads + " threads); " + reports);
                assertTrue(stopped, "a peer that died is stopped once it is gone: " + reports);
                assertFalse(reports.stream().anyMatch(r -> r.contains("stale pid file")),
                        "a dying peer is not a stale pid file: " + reports);
                assertTrue(reports.stream().anyMatch(r -> r.contains("was exiting")), "waited for: " + reports);
                assertTrue(peer.waitFor(10, TimeUnit.SECONDS));
                judged = true;
            }
            assertTrue(judged, "never caught the peer while it died");
        }
    }

    /** @return whether its main thread has exited while others are still exiting, as /proc says */
    private static boolean dying(ProcessHandle h) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z' && threads(h) > 1;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return its resident memory, from /proc; 0 if unknown */
    private static long residentMiB(ProcessHandle h) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(h.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return 0;
    }

    /** @return the threads of a process that still exist: 0 once it is gone, 1 for a zombie */
    private static long threads(ProcessHandle h) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(h.pid()), "task"))) {
            return tasks.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
