package org.hasm.itests.campaign;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Requirements;

/** An OS command that a fault runs (nft, nsenter, mount), bounded in time. */
final class Command {

    private static final long SECONDS = 20;

    private Command() {
    }

    /**
     * Runs {@code command} with {@code input} on its stdin.
     *
     * @return its output
     * @throws IOException naming the command, its exit status and output, if it failed or overran
     */
    static String run(String input, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        var tool = Requirements.tool(cmd.get(0));
        if (tool == null) {
            throw new IOException(cmd.get(0) + " is not installed (needed for: " + String.join(" ", command) + ")");
        }
        cmd.set(0, tool.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not return within " + SECONDS + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out
                    + (input == null ? "" : "\ninput:\n" + input));
        }
        return out;
    }
}
