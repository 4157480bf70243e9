package org.hasm.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Requirements;

/**
 * A plain NFS-Ganesha (VFS FSAL, NFSv3 over TCP), the peer that hasm's NFS service is compared with:
 * one export of a folder, no root squash, served on 127.0.0.1 inside a network namespace of its own
 * with its own rpcbind (Ganesha registers NFSv3 with rpcbind and serves nothing if it cannot, and
 * the host's port 111 is not the test's to take). The namespace's name is unique to the instance;
 * {@link #close()} ends every process in it and deletes it, also after a failed start. Clients of
 * it run in the namespace too ({@link #inNamespace}). Needs root and the packages
 * {@code nfs-ganesha}, {@code nfs-ganesha-vfs}, {@code rpcbind}.
 */
public final class PlainGanesha implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final String ns;
    private final Path dir;
    private final Path folder;
    private final int nfsPort;
    private final int mountPort;
    private final List<Process> processes = new ArrayList<>();

    private PlainGanesha(String ns, Path dir, Path folder, int nfsPort, int mountPort) {
        this.ns = ns;
        this.dir = dir;
        this.folder = folder;
        this.nfsPort = nfsPort;
        this.mountPort = mountPort;
    }

    /** @return why this machine cannot run the peer, or {@code null} if it can */
    public static String missing() {
        if (!Requirements.isRoot()) {
            return "the NFS-Ganesha peer runs in a network namespace of its own: run as root";
        }
        for (String tool : List.of("ganesha.nfsd", "rpcbind", "ip", "nfs-ls")) {
            if (Requirements.tool(tool) == null) {
                return tool + " is not installed (Debian: nfs-ganesha, nfs-ganesha-vfs, rpcbind, iproute2, libnfs-utils)";
            }
        }
        return null;
    }

    /**
     * Creates the namespace, starts rpcbind and Ganesha in it and waits until {@code nfs-ls} lists the
     * export through them.
     *
     * @param dir the peer's own folder (configuration, log, pid file)
     * @param folder what the export serves (an absolute path; clients mount it by that path)
     */
    public static PlainGanesha start(Path dir, Path folder, int nfsPort, int mountPort) throws IOException {
        Files.createDirectories(dir);
        String ns = "hasm-gsha-" + ProcessHandle.current().pid() + "-" + (System.nanoTime() & 0xffffff);
        PlainGanesha peer = new PlainGanesha(ns, dir, folder.toAbsolutePath(), nfsPort, mountPort);
        try {
            peer.boot();
        } catch (IOException | RuntimeException | Error e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    private void boot() throws IOException {
        mustRun(List.of("ip", "netns", "add", ns));
        mustRun(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
        Path conf = dir.resolve("ganesha.conf");
        // Bind_addr is left out on purpose: Ganesha 4.3 then finds the whole block invalid
        Files.writeString(conf, String.join("\n",
                "NFS_CORE_PARAM {",
                "  NFS_Port = " + nfsPort + ";",
                "  MNT_Port = " + mountPort + ";",
                "  NLM_Port = " + (mountPort + 1) + ";",
                "  Rquota_Port = " + (mountPort + 2) + ";",
                "  Protocols = 3;",
                "  Enable_NLM = false;",
                "  Enable_RQUOTA = false;",
                "}",
                "NFSV4 { Graceless = true; }",
                "EXPORT {",
                "  Export_Id = 1;",
                "  Path = " + folder + ";",
                "  Pseudo = /export;",
                "  Protocols = 3;",
                "  Transports = TCP;",
                "  Access_Type = RW;",
                "  Squash = No_Root_Squash;",
                "  FSAL { Name = VFS; }",
                "}",
                ""), StandardCharsets.UTF_8);
        // rpcbind in the foreground: its daemon mode with -w -h aborts here
        spawn(List.of("rpcbind", "-f"), "rpcbind.out");
        spawn(List.of("ganesha.nfsd", "-F", "-L", dir.resolve("ganesha.log").toString(), "-f", conf.toString(), "-p",
                dir.resolve("ganesha.pid").toString(), "-N", "NIV_EVENT"), "ganesha.out");
        Await.until("NFS-Ganesha in " + ns + " to list " + folder, START, () -> {
            if (processes.stream().anyMatch(p -> !p.isAlive())) {
                return true; // reported below
            }
            try {
                return run(inNamespace(List.of("nfs-ls", url(""))), Duration.ofSeconds(10)).code() == 0;
            } catch (IOException e) {
                return false;
            }
        }, this::transcript);
        if (processes.stream().anyMatch(p -> !p.isAlive())) {
            throw new IOException("rpcbind or ganesha.nfsd ended at start in " + ns + ": " + transcript());
        }
    }

    /** @return a libnfs URL of {@code path} (empty, or starting with '/') in the export, with the ports */
    public String url(String path) {
        return "nfs://127.0.0.1" + folder + path + "?nfsport=" + nfsPort + "&mountport=" + mountPort + "&version=3";
    }

    /** @return the command, run in the peer's namespace */
    public List<String> inNamespace(List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(command);
        return all;
    }

    /** @return the path clients mount (the export's folder) */
    public String exportPath() {
        return folder.toString();
    }

    public int nfsPort() {
        return nfsPort;
    }

    public int mountPort() {
        return mountPort;
    }

    private void spawn(List<String> command, String out) throws IOException {
        processes.add(new ProcessBuilder(inNamespace(command)).redirectErrorStream(true)
                .redirectOutput(dir.resolve(out).toFile()).start());
    }

    private static void mustRun(List<String> command) throws IOException {
        Result r = run(command, Duration.ofSeconds(20));
        if (r.code() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + r.code() + ": " + r.output());
        }
    }

    /** A command's exit code (-1 if it overran its time and was killed) and its output. */
    public record Result(int code, String output) {
    }

    /**
     * Runs a command to its end or its deadline, whichever comes first; its output goes through a
     * temporary file, so a client that never ends cannot hold the caller in a read.
     */
    public static Result run(List<String> command, Duration timeout) throws IOException {
        Path out = Files.createTempFile("hasm-cmd-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            p.getOutputStream().close();
            boolean ended;
            try {
                ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            }
            if (!ended) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", command) + " did not end within " + timeout.toMillis() + " ms");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** @return the peer's output and the end of its log, for a failure message */
    public String transcript() {
        StringBuilder b = new StringBuilder();
        for (String name : List.of("rpcbind.out", "ganesha.out", "ganesha.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(name), StandardCharsets.UTF_8);
                b.append("\n--- ").append(name).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
            } catch (IOException e) {
                b.append("\n--- ").append(name).append(": ").append(e.getMessage());
            }
        }
        return b.toString();
    }

    /** Kills every process in the namespace (bounded), then deletes it. */
    @Override
    public void close() {
        for (int round = 0; round < 20; round++) {
            List<String> pids;
            try {
                Result r = run(List.of("ip", "netns", "pids", ns), Duration.ofSeconds(10));
                if (r.code() != 0) {
                    break; // no such namespace (a start that failed before creating it)
                }
                pids = r.output().lines().map(String::strip).filter(s -> s.matches("\\d+")).toList();
            } catch (IOException e) {
                break;
            }
            if (pids.isEmpty()) {
                break;
            }
            for (String pid : pids) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            for (String pid : pids) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> {
                    try {
                        h.onExit().get(STOP.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        // counted again in the next round
                    }
                });
            }
        }
        for (Process p : processes) {
            p.destroyForcibly();
        }
        try {
            run(List.of("ip", "netns", "del", ns), Duration.ofSeconds(20));
        } catch (IOException e) {
            // reported by the listing below on the next run; nothing more to do here
        }
    }
}
