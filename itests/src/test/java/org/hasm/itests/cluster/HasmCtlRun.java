package org.hasm.itests.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.dist.ScmProcess;

/** One run of the distribution's {@code bin/hasmctl}, its output kept, ended if it overruns. */
record HasmCtlRun(int code, String stdout, String stderr) {

    static HasmCtlRun run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ScmProcess.distribution().resolve("bin/hasmctl").toString());
        command.addAll(List.of(args));
        Path dir = Files.createTempDirectory("hasmctl-run");
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
            return new HasmCtlRun(process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
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
