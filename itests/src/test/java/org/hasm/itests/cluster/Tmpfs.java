package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a folder, standing in for a volume that fills up: the kernel answers
 * ENOSPC as a real disk does. Needs root. {@link #close()} unmounts, lazily if the folder is still
 * busy (a process of a failed test may hold a file open), so that no mount outlives the test.
 */
public final class Tmpfs implements AutoCloseable {

    private static final long COMMAND_SECONDS = 10;

    private final Path folder;
    private boolean mounted;

    private Tmpfs(Path folder) {
        this.folder = folder;
    }

    /**
     * @param folder created if missing; must be empty
     * @param sizeBytes the file system's size
     */
    public static Tmpfs mount(Path folder, long sizeBytes) throws IOException, InterruptedException {
        Files.createDirectories(folder);
        Tmpfs t = new Tmpfs(folder);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes + ",mode=0755", "hasm-itest", folder.toString());
        if (out != null) {
            throw new IOException("cannot mount a tmpfs on " + folder + ": " + out);
        }
        t.mounted = true;
        return t;
    }

    public Path folder() {
        return folder;
    }

    /** @return bytes free for an unprivileged writer now */
    public long usable() throws IOException {
        return Files.getFileStore(folder).getUsableSpace();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) {
            return;
        }
        String plain = run("umount", folder.toString());
        if (plain != null) {
            // busy: detach it now, the kernel frees it when its last user goes
            String lazy = run("umount", "-l", folder.toString());
            if (lazy != null) {
                throw new IOException("cannot unmount " + folder + ": " + plain + "; lazily: " + lazy);
            }
        }
        mounted = false;
    }

    /** @return {@code null} if the command succeeded, else its exit code and output */
    private static String run(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path tool = Requirements.tool(cmd.get(0));
        if (tool == null) {
            return cmd.get(0) + " is not installed";
        }
        cmd.set(0, tool.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " did not return within " + COMMAND_SECONDS + " s";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
