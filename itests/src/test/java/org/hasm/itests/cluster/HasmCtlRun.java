package org.hasm.itests.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Cli;

/** One run of the distribution's {@code bin/hasmctl}, its output kept, ended if it overruns. */
record HasmCtlRun(int code, String stdout, String stderr) {

    static HasmCtlRun run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ScmProcess.distribution().resolve("bin/hasmctl").toString());
        command.addAll(List.of(args));
        Cli r = Cli.run(timeout, command.toArray(String[]::new));
        return new HasmCtlRun(r.code(), r.stdout(), r.stderr());
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
