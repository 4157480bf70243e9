package org.hasm.itests.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Cli;

/** The operator's side of the ops tests: the distribution's hasmctl on a node folder, and files the tests watch. */
final class NodeCtl {
    static final Duration STEP = Duration.ofSeconds(30);

    private NodeCtl() {
    }

    /** Runs {@code bin/hasmctl --node-dir NODE ARGS...}, ended if it overruns {@link #STEP}. */
    static Cli ctl(Path node, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 3];
        command[0] = ScmProcess.distribution().resolve("bin/hasmctl").toString();
        command[1] = "--node-dir";
        command[2] = node.toString();
        System.arraycopy(args, 0, command, 3, args.length);
        return Cli.run(STEP, command);
    }

    /** @return the file's text, empty while it does not exist or cannot be read */
    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
