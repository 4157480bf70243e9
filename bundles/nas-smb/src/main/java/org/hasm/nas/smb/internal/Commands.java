package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short tool (smbd --version, pdbedit, getent) to its end, with a deadline. */
final class Commands {

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Result(int exit, String output) {
    }

    private static final int MAX_OUTPUT = 64 * 1024;

    private Commands() {
    }

    /**
     * @param stdin what to write to its standard input (then closed), or {@code null}
     * @throws IOException if it cannot be started or did not end within the deadline (it is killed)
     */
    static Result run(List<String> command, byte[] stdin, long timeoutMillis) throws IOException {
        Path out = Files.createTempFile("hasm-smb-cmd-", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(out.toFile())).start();
            try {
                if (stdin != null) {
                    p.getOutputStream().write(stdin);
                }
                p.getOutputStream().close();
                if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command.get(0) + " did not end within " + timeoutMillis + " ms");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(command.get(0) + ": interrupted", e);
            }
            String text;
            try (InputStream in = Files.newInputStream(out)) {
                text = new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
            }
            return new Result(p.exitValue(), text.strip());
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
