package org.hasm.itests.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A short-lived command (hasm, hasmctl, a client tool) run to its end, its output in files of a fresh temp folder. */
public record Cli(int code, String stdout, String stderr) {
    public static Cli run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("hasm-cli");
        try {
            File out = dir.resolve("out").toFile();
            File err = dir.resolve("err").toFile();
            Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout.toSeconds() + " s");
            }
            return new Cli(process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            for (String name : List.of("out", "err")) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.delete(dir);
        }
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
