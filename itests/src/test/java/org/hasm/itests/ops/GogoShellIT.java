package org.hasm.itests.ops;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Gogo shell on an SCM's console: scm-a runs in the foreground on a terminal (util-linux
 * {@code script} gives it one), and {@code hasm:status}, typed there, prints the same state as
 * {@code hasmctl --node-dir DIR status}; {@code hasm:journal} and {@code hasm:events} answer too.
 */
class GogoShellIT {

    private static final Duration STEP = Duration.ofSeconds(30);
    /** A line of the SCM's log as the console shows it: {@code 2026-12-03T23:06:18.660Z WARN  [org.hasm.nas.smb] ...}. */
    private static final java.util.regex.Pattern LOG_LINE = java.util.regex.Pattern.compile(
            "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z (TRACE|DEBUG|INFO|WARN|ERROR) +\\[");

    @Test
    void hasmStatusOnTheConsolePrintsWhatHasmctlPrints(@TempDir Path work) throws Exception {
        Path script = Requirements.tool("script");
        Requirements.require(script != null, "script is not installed (apt-get install -y util-linux): the shell"
                + " test gives the SCM a terminal with it");
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            pair.start(B);
            Path hasm = ScmProcess.distribution().resolve("bin/hasm");
            // echo off: the console then shows only what the shell prints
            Process console = new ProcessBuilder(script.toString(), "-qfec", "stty -echo; exec " + hasm + " run "
                    + pair.node(A), "/dev/null").redirectErrorStream(true).start();
            Output output = new Output(console.getInputStream());
            try {
                Path nodeA = pair.node(A);
                Await.until("scm-a in DAC (hasmctl status)", Pair.BOOT, () -> ctl(nodeA, "status").stdout()
                        .contains("DAC   opMode MASTER"), () -> output.text());
                pair.awaitState(B, "DAC", "SLAVE", STEP);
                OutputStream in = console.getOutputStream();

                String shell = command(in, output, "hasm:status");
                Cli ctl = ctl(nodeA, "status");
                assertEquals(0, ctl.code(), ctl.toString());
                assertEquals(steady(ctl.stdout()), steady(shell), "hasm:status and hasmctl status");
                assertTrue(shell.contains("scm-a (configured MASTER)"), shell);

                String journal = command(in, output, "hasm:journal --after 0");
                assertTrue(journal.contains("example") && journal.contains("OPMODE"), journal);
                String events = command(in, output, "hasm:events --topic org/hasm/controller/STATE");
                assertTrue(events.contains("org/hasm/controller/STATE"), events);
                String fence = command(in, output, "hasm:fence");
                Cli fenceCtl = ctl(nodeA, "fence");
                assertEquals(0, fenceCtl.code(), fenceCtl.toString());
                assertEquals(fenceCtl.stdout().replace("\r", "").strip(), fence.replace("\r", "").strip(),
                        "hasm:fence and hasmctl fence");
                assertTrue(fence.contains("process (configured)"), fence);
                String refused = command(in, output, "hasm:move NO-SUCH-PERSONALITY");
                assertTrue(refused.contains("NO-SUCH-PERSONALITY") && refused.contains("(exit "), refused);
            } finally {
                end(console);
                output.join();
            }
        }
    }

    private static Cli ctl(Path node, String command) {
        try {
            return Cli.run(STEP, ScmProcess.distribution().resolve("bin/hasmctl").toString(), "--node-dir",
                    node.toString(), command);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /* What does not change between two looks a second apart: no clock, no "ago", no last heard, no channel counters. */
    private static String steady(String status) {
        String[] sections = status.replace("\r", "").strip().split("\n\n");
        List<String> kept = new ArrayList<>();
        for (String line : sections[0].split("\n")) {
            if (!line.startsWith("time")) {
                kept.add(line.replaceAll(" ?\\([^()]*ago\\)", "").replaceAll("last heard \\S+", "last heard")
                        .stripTrailing());
            }
        }
        for (int i = 2; i < sections.length; i++) {
            kept.add(sections[i].strip()); // personalities, modules
        }
        return String.join("\n", kept);
    }

    /* Types a line at the console and returns what the shell printed for it, between two markers. */
    private static String command(OutputStream in, Output output, String line) throws IOException {
        String begin = "BEGIN-" + System.nanoTime();
        String end = "END-" + System.nanoTime();
        int from = output.text().length();
        in.write(("echo " + begin + "\n" + line + "\n" + "echo " + end + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String[] seen = new String[1];
        Await.until(line + " answered on the console", STEP, () -> {
            String text = output.text().substring(from).replace("\r", "");
            int b = text.indexOf(begin + "\n");
            int e = text.indexOf(end + "\n", Math.max(0, b));
            if (b < 0 || e < 0) {
                return false;
            }
            seen[0] = text.substring(b + begin.length() + 1, e);
            return true;
        }, () -> output.text().substring(from));
        // every line the shell printed starts after its prompt
        StringBuilder out = new StringBuilder();
        for (String l : seen[0].split("\n", -1)) {
            String shown = l.startsWith("g! ") ? l.substring(3) : l;
            // the console also shows the SCM's log: a line it wrote meanwhile (an smbd restarted, say) is not the shell's
            if (!LOG_LINE.matcher(shown).find()) {
                out.append(shown).append('\n');
            }
        }
        String text = out.toString();
        return text.endsWith("g! \n") ? text.substring(0, text.length() - 4) : text;
    }

    private static void end(Process console) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(console.descendants().toList());
        tree.forEach(ProcessHandle::destroy);
        console.destroy();
        for (ProcessHandle p : tree) {
            p.onExit().orTimeout(60, TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
        if (!console.waitFor(10, TimeUnit.SECONDS)) {
            console.destroyForcibly();
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The console's output, read as it comes by a thread of the test's own. */
    private static final class Output {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread reader;

        Output(InputStream in) {
            reader = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n; (n = in.read(buffer)) >= 0;) {
                        synchronized (bytes) {
                            bytes.write(buffer, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // the console closed
                }
            }, "gogo-console-reader");
            reader.setDaemon(true);
            reader.start();
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        void join() throws InterruptedException {
            reader.join(10_000);
        }
    }
}
