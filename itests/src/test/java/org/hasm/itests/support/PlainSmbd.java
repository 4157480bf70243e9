package org.hasm.itests.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A plain Samba {@code smbd} with Samba's defaults, the peer that hasm's SMB service is compared
 * with: one share on a folder, one user (the test's own Unix account, root in CI), bound to
 * 127.0.0.1 on a high port, every state folder inside {@code dir}. It runs in a session of its own
 * ({@code setsid}), so that {@link #close()} ends smbd and every child it forked for a connection,
 * and nothing of it outlives the test.
 */
public final class PlainSmbd implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(20);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final Process process;
    private final Path dir;
    private final int port;
    private final String share;
    private final String user;
    private final String password;

    private PlainSmbd(Process process, Path dir, int port, String share, String user, String password) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.share = share;
        this.user = user;
        this.password = password;
    }

    /**
     * Writes {@code dir/smb.conf}, adds the user to a tdbsam in {@code dir/private}, starts smbd and
     * waits until its port takes connections.
     *
     * @param folder what the share serves
     * @throws IOException if smbd or pdbedit cannot be run, or smbd does not listen in time
     */
    public static PlainSmbd start(Path dir, Path folder, int port, String share, String password) throws IOException {
        return start(dir, folder, port, share, password, List.of());
    }

    /**
     * As {@link #start(Path, Path, int, String, String)}, with more lines for the share's section
     * ({@code sync always = yes}, say).
     */
    public static PlainSmbd start(Path dir, Path folder, int port, String share, String password,
            List<String> shareOptions) throws IOException {
        String user = System.getProperty("user.name");
        for (String sub : List.of("private", "lock", "state", "cache", "pid", "ncalrpc")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Path conf = dir.resolve("smb.conf");
        Files.writeString(conf, String.join("\n",
                "[global]",
                "  smb ports = " + port,
                "  interfaces = 127.0.0.1",
                "  bind interfaces only = yes",
                "  disable netbios = yes",
                "  server min protocol = SMB2_02",
                "  lock directory = " + dir.resolve("lock"),
                "  state directory = " + dir.resolve("state"),
                "  cache directory = " + dir.resolve("cache"),
                "  private dir = " + dir.resolve("private"),
                "  pid directory = " + dir.resolve("pid"),
                "  ncalrpc dir = " + dir.resolve("ncalrpc"),
                "  passdb backend = tdbsam:" + dir.resolve("private/passdb.tdb"),
                "  rpc_server:default = disabled",
                "  load printers = no",
                "  printing = bsd",
                "  printcap name = /dev/null",
                "  log file = " + dir.resolve("smbd.log"),
                "[" + share + "]",
                "  path = " + folder,
                "  read only = no",
                String.join("\n", shareOptions.stream().map(o -> "  " + o).toList()),
                ""), StandardCharsets.UTF_8);
        Process pdbedit = new ProcessBuilder(tool("pdbedit"), "-s", conf.toString(), "-a", "-u", user, "-t")
                .redirectErrorStream(true).redirectOutput(dir.resolve("pdbedit.out").toFile()).start();
        pdbedit.getOutputStream().write((password + "\n" + password + "\n").getBytes(StandardCharsets.UTF_8));
        pdbedit.getOutputStream().close();
        try {
            if (!pdbedit.waitFor(30, TimeUnit.SECONDS) || pdbedit.exitValue() != 0) {
                pdbedit.destroyForcibly();
                throw new IOException("pdbedit could not add " + user + ": "
                        + Files.readString(dir.resolve("pdbedit.out")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while adding the user", e);
        }
        Process smbd = new ProcessBuilder(tool("setsid"), tool("smbd"), "--foreground", "--no-process-group", "--debug-stdout",
                "-s", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("smbd.out").toFile()).start();
        PlainSmbd peer = new PlainSmbd(smbd, dir, port, share, user, password);
        try {
            Await.until("plain smbd to listen on 127.0.0.1:" + port, START, () -> !smbd.isAlive() || listening(port),
                    peer::transcript);
            if (!smbd.isAlive()) {
                throw new IOException("plain smbd ended at start: " + peer.transcript());
            }
        } catch (IOException | RuntimeException | Error e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    /** @return the tool's path, found where root's PATH would have it (smbd and pdbedit are in /usr/sbin) */
    private static String tool(String name) throws IOException {
        Path path = org.hasm.itests.cluster.Requirements.tool(name);
        if (path == null) {
            throw new IOException(name + " is not installed (Debian: samba, util-linux)");
        }
        return path.toString();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return smbd's session: smbd and every child it forked belong to it, whatever their titles say */
    public long session() {
        return process.pid();
    }

    /**
     * @return the pids of the processes of {@code session} still running (smbd's children rename
     *     themselves, {@code smbd: client [...]}, so only the session finds them)
     */
    public static List<Long> processesOf(long session) throws IOException {
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    String stat = Files.readString(p.resolve("stat"), StandardCharsets.US_ASCII);
                    // after the command's name in parentheses: state, ppid, pgrp, session
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    return Long.parseLong(fields[3]) == session;
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }).map(p -> Long.parseLong(p.getFileName().toString())).toList();
        }
    }

    public int port() {
        return port;
    }

    public String share() {
        return share;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** @return the share as smbclient and smbtorture name it: {@code //127.0.0.1/SHARE} */
    public String unc() {
        return "//127.0.0.1/" + share;
    }

    /** @return smbd's own output, for a failure message */
    public String transcript() {
        try {
            return Files.readString(dir.resolve("smbd.out"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Ends smbd's session: SIGTERM to the group, SIGKILL to what is left after a deadline. */
    @Override
    public void close() {
        long group = process.pid();
        signal("-TERM", group);
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                signal("-KILL", group);
                process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // children that outlived their parent, in other groups of its session too: end them all, and
        // see them gone (they may take a moment to exit after smbd)
        Await.until("every process of the plain smbd's session to end", STOP, () -> {
            List<Long> left;
            try {
                left = processesOf(group);
            } catch (IOException e) {
                return false;
            }
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            return left.isEmpty();
        }, () -> "still running: " + describe(group));
    }

    private static String describe(long session) {
        try {
            return processesOf(session).toString();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static void signal(String signal, long group) {
        try {
            Process kill = new ProcessBuilder("kill", signal, "--", "-" + group).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing left to signal
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
