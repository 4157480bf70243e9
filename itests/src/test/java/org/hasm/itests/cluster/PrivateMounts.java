package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One SCM in a mount namespace of its own ({@code unshare --mount --propagation private}), so that
 * the shared folder can turn read-only for that SCM alone: a read-only bind mount of the folder on
 * itself, made inside its namespace with {@code nsenter}, remounted read-write to end the fault. The
 * peer, the test and the host keep seeing the folder writable. Needs root; the namespace ends with
 * the SCM's process, so nothing outlives the test.
 */
final class PrivateMounts {

    private static final long COMMAND_SECONDS = 10;

    private PrivateMounts() {
    }

    /** @return whether root and the tools are there; else why not, for {@link Requirements#require} */
    static String missing() {
        if (!Requirements.isRoot()) {
            return "a storage read-only for one SCM is a bind mount in that SCM's own mount namespace, which needs"
                    + " root: run the tests as root";
        }
        for (String tool : List.of("unshare", "nsenter", "mount")) {
            if (Requirements.tool(tool) == null) {
                return tool + " is missing: install util-linux and mount";
            }
        }
        return null;
    }

    /** Makes {@code scm}'s later starts run in a private mount namespace; the PID stays the JVM's. */
    static void wrap(Pair pair, Pair.Scm scm) {
        pair.wrap(scm, List.of(Requirements.tool("unshare").toString(), "--mount", "--propagation", "private"));
    }

    /**
     * The folder turns read-only for the process {@code pid} (and only for it). One command makes a
     * new bind mount and makes it read-only before anything opens a file through it: a remount of a
     * mount with files open for writing fails (EBUSY). Files the process had open stay writable, as
     * they do when a real storage turns read-only under an open file; every new write fails.
     */
    static void readOnly(long pid, Path folder) throws IOException, InterruptedException {
        run(pid, "mount", "--bind", "-o", "ro", folder.toString(), folder.toString());
    }

    /**
     * The folder is writable again for {@code pid}: its bind mount is remounted read-write (an
     * unmount would fail while the process keeps a file open through it, as the storage heartbeat does).
     */
    static void writable(long pid, Path folder) throws IOException, InterruptedException {
        run(pid, "mount", "-o", "remount,bind,rw", folder.toString());
    }

    private static void run(long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Requirements.tool("nsenter").toString(), "--target",
                Long.toString(pid), "--mount", "--"));
        cmd.add(Requirements.tool(command[0]).toString());
        cmd.addAll(List.of(command).subList(1, command.length));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not return within " + COMMAND_SECONDS + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
        }
    }
}
