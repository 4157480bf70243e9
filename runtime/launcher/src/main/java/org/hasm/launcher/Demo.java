package org.hasm.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * {@code hasm demo}: writes a pair of SCMs ({@link DemoPair}) and, unless {@code --no-start}, runs
 * both as processes of their own until Ctrl-C or SIGTERM, then stops both.
 *
 * <p>Each SCM's output goes to {@code DIR/scm-x/log/console.log}, so the terminal shows only what
 * the demo says: where things are, what to try, and each SCM's state as it changes.
 */
final class Demo {

    /** An SCM's own bound on its stop is {@link Main#STOP_TIMEOUT_MS}; wait a little longer, then kill. */
    static final long STOP_WAIT_MS = Main.STOP_TIMEOUT_MS + 5_000;
    /** Steady: no transition in progress. */
    private static final Set<String> STEADY = Set.of("DAC", "DEGRADED", "MONITOR", "HALTED");
    private static final long POLL_MS = 200;
    private static final long WATCH_MS = 1000;

    private final PrintStream out;
    private final PrintStream err;
    private final Distribution dist;
    private final DemoPair.Options options;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    /* Written by the main thread only; the exit hook reads it (a copy: never concurrently changed
       after the start). */
    private volatile List<Process> children = List.of();

    Demo(PrintStream out, PrintStream err, Distribution dist, DemoPair.Options options) {
        this.out = out;
        this.err = err;
        this.dist = dist;
        this.options = options;
    }

    /** @return the exit code */
    int run() throws LaunchException, InterruptedException {
        Path dir = DemoPair.write(options);
        Path hasm = dist.home().resolve("bin").resolve("hasm");
        if (!options.start()) {
            out.println("hasm demo: wrote a pair of SCMs to " + dir + " (scm-a MASTER, admin port " + options.basePort()
                    + "; scm-b SLAVE, admin port " + (options.basePort() + 1) + ")");
            out.println("Start each SCM, in a terminal of its own:");
            for (DemoPair.Scm scm : DemoPair.SCMS) {
                out.println("  " + hasm + " run " + scm.dir(dir));
            }
            out.println("Then: " + dist.home().resolve("bin").resolve("hasmctl") + " --node-dir " + DemoPair.A.dir(dir)
                    + " status");
            return 0;
        }
        checkPortsFree();
        installSignals();
        out.println("hasm demo: starting scm-a (MASTER) and scm-b (SLAVE) from " + dir);
        Map<DemoPair.Scm, Process> processes = new LinkedHashMap<>();
        try {
            for (DemoPair.Scm scm : DemoPair.SCMS) {
                processes.put(scm, start(hasm, scm.dir(dir)));
            }
            children = List.copyOf(processes.values());
            Map<DemoPair.Scm, String> states = awaitSteady(dir, processes);
            if (states == null) {
                return LaunchException.FAILED;
            }
            printGuide(dir, states);
            watch(dir, processes, states);
            return 0;
        } finally {
            stopAll(dir, processes);
        }
    }

    /* A port in use would make one SCM fail half-way through its start; say so before starting. */
    private void checkPortsFree() throws LaunchException {
        for (DemoPair.Port port : DemoPair.ports(options.basePort())) {
            try {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(port.host()), port.port());
                if (port.udp()) {
                    try (DatagramSocket socket = new DatagramSocket(address)) {
                        socket.getLocalPort();
                    }
                } else {
                    try (ServerSocket socket = new ServerSocket()) {
                        socket.setReuseAddress(true);
                        socket.bind(address);
                    }
                }
            } catch (IOException e) {
                throw new LaunchException("demo: " + port.host() + ":" + port.port() + (port.udp() ? "/udp" : "/tcp")
                        + " (" + port.what() + ") is in use or cannot be bound: choose another --base-port");
            }
        }
    }

    private void installSignals() {
        for (String name : List.of("TERM", "INT")) {
            try {
                // the handler runs on the JVM's signal thread: only hand over, the main thread stops the pair
                Signal.handle(new Signal(name), signal -> stopRequested.countDown());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // signal in use (-Xrs): the exit hook below still stops the SCMs
            }
        }
        // any other way out (SIGHUP, an error): never leave two SCMs running behind the demo
        Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach(Process::destroy), "hasm-demo-exit"));
    }

    private static Process start(Path hasm, Path node) throws LaunchException {
        Path console = node.resolve("log").resolve("console.log");
        try {
            Files.createDirectories(console.getParent());
            ProcessBuilder builder = new ProcessBuilder(hasm.toString(), "run", node.toString())
                    .directory(node.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                    .redirectErrorStream(true);
            return builder.start();
        } catch (IOException e) {
            throw new LaunchException(LaunchException.FAILED, node + ": cannot start " + hasm + " (" + e.getMessage() + ")");
        }
    }

    /** @return the states once both SCMs are steady, or null (reported) if that did not happen */
    private Map<DemoPair.Scm, String> awaitSteady(Path dir, Map<DemoPair.Scm, Process> processes)
            throws LaunchException, InterruptedException {
        long limitMs = 60_000 + 2 * options.initTimeoutMs();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limitMs);
        Map<DemoPair.Scm, String> states = new LinkedHashMap<>();
        while (true) {
            for (Map.Entry<DemoPair.Scm, Process> entry : processes.entrySet()) {
                DemoPair.Scm scm = entry.getKey();
                if (!entry.getValue().isAlive()) {
                    err.println("hasm demo: " + scm.name() + " exited with code " + entry.getValue().exitValue()
                            + " before it was up: see " + scm.dir(dir).resolve("log").resolve("console.log"));
                    return null;
                }
                states.put(scm, state(dir, scm).map(Status::text).orElse("starting"));
            }
            boolean bothDac = states.values().stream().allMatch(s -> s.startsWith("DAC"));
            boolean bothSteady = states.values().stream().allMatch(s -> STEADY.contains(s.split(" ")[0]));
            boolean stuck = states.values().stream().anyMatch(s -> s.startsWith("MONITOR") || s.startsWith("HALTED"));
            if (bothDac || (bothSteady && stuck)) {
                return states;
            }
            if (System.nanoTime() - deadline > 0) {
                if (bothSteady) {
                    return states;
                }
                err.println("hasm demo: the pair did not reach a steady state within " + limitMs / 1000 + " s (" + states
                        + "): see the SCMs' log/console.log under " + dir);
                return null;
            }
            if (stopRequested.await(POLL_MS, TimeUnit.MILLISECONDS)) {
                out.println("hasm demo: stopping before the pair was up");
                return null;
            }
        }
    }

    /** What an SCM's status endpoint says. */
    private record Status(String state, String opMode, String sysConfig) {
        String text() {
            return state + (opMode == null ? "" : " " + opMode) + (sysConfig == null || sysConfig.equals(state) ? "" : "/" + sysConfig);
        }
    }

    private Optional<Status> state(Path dir, DemoPair.Scm scm) throws LaunchException {
        // the read-only credential: watching is all the demo does; a broken one is reported, not taken for "down"
        AdminClient.Credential credential = AdminClient.Credential.read(AdminAccess.tokenFile(
                scm.dir(dir).resolve(AdminAccess.DEFAULT_CREDENTIALS), "read", DemoPair.MONITOR));
        try {
            AdminClient client = new AdminClient("http://127.0.0.1:" + DemoPair.adminPort(scm, options.basePort()),
                    Duration.ofSeconds(2), credential, null);
            if (Json.parse(client.get("/status"), "status") instanceof Map<?, ?> doc && doc.get("state") instanceof String state) {
                return Optional.of(new Status(state, (String) doc.get("opMode"), (String) doc.get("sysConfig")));
            }
        } catch (LaunchException e) {
            // not up yet, or down: the caller treats that as "no state"
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    private void printGuide(Path dir, Map<DemoPair.Scm, String> states) {
        int p = options.basePort();
        Path bin = dist.home().resolve("bin");
        Path a = DemoPair.A.dir(dir);
        out.println();
        out.println("hasm demo: the pair is up (" + dir + ")");
        for (DemoPair.Scm scm : DemoPair.SCMS) {
            out.printf("  %s  configured %-6s  now %-14s  admin http://127.0.0.1:%d%s/status  pid %d%n", scm.name(),
                    scm.role(), states.get(scm), DemoPair.adminPort(scm, p), AdminClient.API,
                    PidFile.read(scm.dir(dir)));
        }
        for (DemoPair.Scm home : DemoPair.SCMS) {
            String address = DemoPair.personalityAddress(home);
            out.println("  personality " + (home == DemoPair.A ? "A" : "B") + " (home " + home.name() + "): files at http://"
                    + address + ":" + DemoPair.httpPort(p) + "/files/ (HTTP, WebDAV), " + DemoPair.nfsUrl(home, p, "")
                    + " (NFSv3) and SMB share //" + address + "/files on port " + DemoPair.smbPort(p)
                    + "; example service at " + address + ":" + DemoPair.examplePort(home, p));
        }
        out.println("  logs: " + dir + "/scm-*/log/hasm.log");
        for (DemoPair.Scm scm : DemoPair.SCMS) {
            out.println("  " + scm.name() + " deploy folder: " + scm.dir(dir).resolve("deploy")
                    + " (a bundle jar there is installed live; hasmctl deploy replaces one by its symbolic name)");
        }
        out.println("  admin credentials (owner-only): " + dir + "/scm-*/etc/admin/operate/" + AdminAccess.DEFAULT_NAME
                + AdminAccess.SUFFIX + " (hasmctl --node-dir sends it), read/" + DemoPair.MONITOR + AdminAccess.SUFFIX
                + " (status and journal only)");
        out.println();
        out.println("Try, in another terminal:");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + a + " status");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + DemoPair.B.dir(dir) + " status");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + DemoPair.B.dir(dir) + " status --watch      the pair,"
                + " live (then kill -9 scm-a's pid, from its hasm.pid, and watch scm-b take A over)");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + a + " fence --test      what scm-a's fence agent"
                + " would do to scm-b now (it fences nothing)");
        String addressA = DemoPair.personalityAddress(DemoPair.A);
        out.println("  curl -T somefile http://" + addressA + ":" + DemoPair.httpPort(p) + "/files/      store a file in A's volume");
        out.println("  smbclient //" + addressA + "/files -p " + DemoPair.smbPort(p) + " -m SMB3 -A "
                + dir.resolve(DemoPair.SMB_AUTH) + " -c 'put somefile; ls'      the same over SMB, as user "
                + DemoPair.SMB_USER + " (-N instead of -A: as a guest)");
        out.println("  nfs-ls '" + DemoPair.nfsUrl(DemoPair.A, p, "") + "'      list A's volume over NFS (libnfs-utils)");
        out.println("  nfs-cp somefile '" + DemoPair.nfsUrl(DemoPair.A, p, "/somefile") + "'      store a file over NFS");
        out.println("  nfs-cat '" + DemoPair.nfsUrl(DemoPair.A, p, "/somefile") + "'      read it back");
        out.println("  curl telnet://" + addressA + ":" + DemoPair.examplePort(DemoPair.A, p)
                + " </dev/null      who serves personality A");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + a + " config set org.hasm.controller"
                + " upgrade.step.timeout.ms=90000      a configuration transaction: checked, then applied on both SCMs");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + a + " config history      what changed, when, by whom");
        out.println("  " + bin.resolve("hasmctl") + " --node-dir " + a + " deploy service.jar      install or replace a"
                + " service bundle on scm-a, whatever its file is called");
        out.println("  http://127.0.0.1:" + DemoPair.adminPort(DemoPair.A, p) + "/hasm/ui/      the status page in a browser"
                + " (user " + AdminAccess.DEFAULT_NAME + ", password: the line of its token file above)");
        out.println("  curl -H \"Authorization: Bearer $(cat " + a.resolve("etc/admin/read/" + DemoPair.MONITOR
                + AdminAccess.SUFFIX) + ")\" http://127.0.0.1:" + DemoPair.adminPort(DemoPair.A, p)
                + "/hasm/api/v1/metrics      its metrics for Prometheus");
        out.println("  kill -9 $(cat " + a.resolve(PidFile.NAME) + ")      scm-b takes over personality A");
        out.println("  " + bin.resolve("hasm") + " run " + a + "      scm-a comes back and gets A back");
        out.println("Ctrl-C here stops both SCMs (and an scm-a or scm-b you restarted by hand).");
        out.println();
    }

    /* Prints every change of state until a stop is requested: the demo's own terminal tells the
       story of a failover while the operator breaks things in another one. */
    private void watch(Path dir, Map<DemoPair.Scm, Process> processes, Map<DemoPair.Scm, String> states)
            throws LaunchException, InterruptedException {
        Map<DemoPair.Scm, String> last = new LinkedHashMap<>(states);
        while (!stopRequested.await(WATCH_MS, TimeUnit.MILLISECONDS)) {
            for (DemoPair.Scm scm : DemoPair.SCMS) {
                String now = state(dir, scm).map(Status::text).orElse("down");
                if (!now.equals(last.get(scm))) {
                    out.println("hasm demo: " + scm.name() + ": " + last.get(scm) + " -> " + now);
                    last.put(scm, now);
                }
            }
        }
        out.println("hasm demo: stopping both SCMs");
    }

    /*
     * SIGTERM to each SCM the demo started and to one found in its hasm.pid (restarted by hand
     * after a kill), then a bounded wait, then SIGKILL. A pid from a file is only signalled if it
     * is the launcher running that very node folder: the number may have been reused meanwhile.
     */
    private void stopAll(Path dir, Map<DemoPair.Scm, Process> processes) throws InterruptedException {
        List<ProcessHandle> handles = new ArrayList<>();
        for (DemoPair.Scm scm : DemoPair.SCMS) {
            Process child = processes.get(scm);
            if (child != null && child.isAlive()) {
                handles.add(child.toHandle());
            }
            long pid = PidFile.read(scm.dir(dir));
            if (pid > 0 && (child == null || child.pid() != pid)) {
                ProcessHandle.of(pid).filter(h -> runs(h, scm.dir(dir))).ifPresent(handles::add);
            }
        }
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
        for (ProcessHandle handle : handles) {
            long left = deadline - System.nanoTime();
            try {
                handle.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                err.println("hasm demo: pid " + handle.pid() + " did not stop within " + STOP_WAIT_MS / 1000 + " s: killed");
                handle.destroyForcibly();
            }
        }
        for (Map.Entry<DemoPair.Scm, Process> entry : processes.entrySet()) {
            if (!entry.getValue().isAlive()) {
                out.println("hasm demo: " + entry.getKey().name() + " stopped (exit code " + entry.getValue().exitValue() + ")");
            }
        }
        children = List.of();
    }

    private static boolean runs(ProcessHandle handle, Path node) {
        Optional<String> line = handle.info().commandLine();
        return line.isPresent() && line.get().contains(Main.class.getName()) && line.get().contains(node.toString());
    }
}
