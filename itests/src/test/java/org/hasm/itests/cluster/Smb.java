package org.hasm.itests.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * smbclient against a demo pair's SMB shares, and the smbd processes of a pair as {@code /proc}
 * shows them (found by the node folders in their command lines, so that the processes of other tests
 * and of other pairs are never counted or touched).
 */
public final class Smb {

    /** What smbclient printed and its exit code. */
    public record Result(int exit, String output) {
        /** @return whether every command succeeded: exit 0 and no NT status error */
        public boolean ok() {
            return exit == 0 && !output.contains("NT_STATUS_");
        }
    }

    private static final long TIMEOUT_MS = 20_000;

    private Smb() {
    }

    /** smbclient and Samba are needed: on CI their absence fails the test, elsewhere it is skipped. */
    public static void require() {
        Requirements.require(Requirements.tool("smbclient") != null, "smbclient is not installed (apt-get install -y smbclient)");
        Requirements.require(Requirements.tool("smbd") != null, "smbd is not installed (apt-get install -y samba)");
        Requirements.require(Requirements.tool("setpriv") != null, "setpriv is not installed (apt-get install -y util-linux)");
    }

    /**
     * What the distribution's SMB service needs to pass its TEST (smbd and pdbedit), for the tests that count
     * on every module of the distribution being healthy: on CI their absence fails the test, elsewhere it is
     * skipped.
     */
    public static void requireServer() {
        Requirements.require(Requirements.tool("smbd") != null && Requirements.tool("pdbedit") != null,
                "smbd or pdbedit is not installed, and the distribution's SMB service fails its TEST without them"
                        + " (apt-get install -y samba)");
    }

    /** @return the SMB port of the demo's personalities */
    public static int port(Pair pair) {
        return pair.basePort() + 33;
    }

    /** @return the demo user's credentials file, for {@code smbclient -A} */
    public static Path auth(Pair pair) {
        return pair.node(Pair.Scm.A).getParent().resolve("smb-demo.auth");
    }

    /**
     * Runs smbclient (SMB3) on a share of the personality whose home is {@code home}.
     *
     * @param auth the credentials file, or {@code null} for a guest; {@code user%password} when it
     *     starts with {@code -U}
     */
    public static Result client(Pair pair, Pair.Scm home, String share, String auth, String commands)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("smbclient", "//" + pair.personalityAddress(home) + "/" + share, "-p",
                Integer.toString(port(pair)), "-m", "SMB3", "-t", "5"));
        if (auth == null) {
            cmd.add("-N");
        } else if (auth.startsWith("-U")) {
            cmd.addAll(List.of("-U", auth.substring(2)));
        } else {
            cmd.addAll(List.of("-A", auth));
        }
        cmd.addAll(List.of("-c", commands));
        return run(cmd, TIMEOUT_MS);
    }

    /**
     * Runs a client command line (smbclient, for a share of the pair or of a peer) to its end.
     *
     * @return its exit code and output (stdout and stderr, at most 1 MiB); exit -1 if it overran
     *     {@code timeoutMs} and was killed
     */
    public static Result run(List<String> cmd, long timeoutMs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(1 << 20);
        }
        if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return new Result(-1, cmd.get(0) + " did not end within " + timeoutMs + " ms: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** @return the smb.conf of a personality's smbd on an SCM */
    public static Path conf(Pair pair, Pair.Scm scm, String personality) {
        return pair.node(scm).resolve("data/hasm/smb").resolve(personality).resolve("smb.conf").toAbsolutePath();
    }

    /** @return pid → command line of every smbd whose command line names a folder under {@code root} */
    public static Map<Long, String> smbdUnder(Path root) {
        Map<Long, String> found = new TreeMap<>();
        String prefix = root.toAbsolutePath().normalize().toString() + "/";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(e.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ')
                            .strip();
                } catch (IOException gone) {
                    continue;
                }
                if ((cmdline.startsWith("smbd ") || cmdline.contains("/smbd ")) && cmdline.contains(prefix)) {
                    found.put(Long.parseLong(name), cmdline);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc", e);
        }
        return found;
    }

    /**
     * @return whether a process runs: it exists and is not a zombie (an smbd killed while its SCM is
     *     stopped stays a zombie until that JVM reaps it, and holds nothing: no socket, no file)
     */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** @return the pids of the smbd of {@code personality} on {@code scm} */
    public static List<Long> smbdOf(Pair pair, Pair.Scm scm, String personality) {
        String conf = conf(pair, scm, personality).toString();
        List<Long> pids = new ArrayList<>();
        smbdUnder(pair.node(scm)).forEach((pid, cmd) -> {
            if (cmd.endsWith("-s " + conf)) {
                pids.add(pid);
            }
        });
        return pids;
    }

    /**
     * @return which SCM's smbd listens on the personality's SMB address now ("scm-a", "scm-b", "none"),
     *     told by the listening socket's owner
     */
    public static String holder(Pair pair, Pair.Scm home) {
        Map<String, Long> pids = new TreeMap<>();
        for (Pair.Scm scm : Pair.Scm.values()) {
            List<Long> of = smbdOf(pair, scm, home.personality());
            for (int i = 0; i < of.size(); i++) {
                pids.put(scm.id() + (i == 0 ? "" : "#" + i), of.get(i));
            }
        }
        String holder = Listeners.holder(pids, pair.personalityAddress(home), port(pair));
        return String.join("+", java.util.Arrays.stream(holder.split("\\+")).map(h -> h.replaceAll("#\\d+", ""))
                .distinct().toList());
    }
}
