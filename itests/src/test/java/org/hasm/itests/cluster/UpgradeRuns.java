package org.hasm.itests.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hasm.itests.cluster.Pair.Scm;

/** What the rolling-upgrade tests and benchmarks do to a pair: hasmctl runs, the plan's document, the step deadline. */
final class UpgradeRuns {
    private static final Duration STATUS = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private UpgradeRuns() {
    }

    /** Every SCM's {@code upgrade.step.timeout.ms}, written before the pair starts. */
    static void stepTimeout(Pair pair, Duration timeout) throws IOException {
        for (Scm scm : Scm.values()) {
            Files.writeString(pair.node(scm).resolve("etc/org.hasm.controller.cfg"), "\nupgrade.step.timeout.ms="
                    + timeout.toMillis() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
    }

    /** {@code hasmctl --node-dir NODE ARGS...} against {@code scm}, bounded by {@code limit}. */
    static HasmCtlRun ctl(Pair pair, Scm scm, Duration limit, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--node-dir", pair.node(scm).toString()));
        all.addAll(List.of(args));
        return HasmCtlRun.run(limit, all.toArray(String[]::new));
    }

    /** @return the upgrade document ({@code hasmctl upgrade --status --json}) as {@code scm} answers it */
    static JsonNode document(Pair pair, Scm scm) {
        try {
            HasmCtlRun r = HasmCtlRun.run(STATUS, "--node-dir", pair.node(scm).toString(), "upgrade", "--status", "--json");
            if (r.code() != 0) {
                throw new AssertionError(r.toString());
            }
            return JSON.readTree(r.stdout()).path("upgrade");
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
