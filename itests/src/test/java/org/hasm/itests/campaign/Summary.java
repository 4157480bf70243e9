package org.hasm.itests.campaign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The campaign's figures: one row of totals, one row per fault kind, and every failed run with its
 * seed (to replay it), its faults and its first findings, as Markdown.
 */
public final class Summary {

    private static final int PROBLEMS_SHOWN = 5;

    private final String title;
    private final List<RunResult> runs = new ArrayList<>();

    /** @param title what was run: seed, kinds, timing; the table's heading says it */
    public Summary(String title) {
        this.title = title;
    }

    public void add(RunResult run) {
        runs.add(run);
    }

    public List<RunResult> failed() {
        return runs.stream().filter(r -> !r.passed()).toList();
    }

    /** @return the summary as Markdown */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Fault campaign\n\n").append(title).append("\n\n");
        md.append("| runs | passed | writes acknowledged | lost | unserved | double owners | wrongful fences"
                + " | not converged | ended on their own | errors | time to converge, mean | max |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Long> times = runs.stream().filter(RunResult::converged).map(RunResult::convergeMs).toList();
        md.append("| ").append(runs.size())
                .append(" | ").append(runs.size() - failed().size())
                .append(" | ").append(sum(RunResult::acknowledged))
                .append(" | ").append(sum(RunResult::lost))
                .append(" | ").append(sum(RunResult::unserved))
                .append(" | ").append(sum(RunResult::doubleOwners))
                .append(" | ").append(sum(RunResult::wrongfulFences))
                .append(" | ").append(runs.stream().filter(r -> r.error() == null && !r.converged()).count())
                .append(" | ").append(sum(RunResult::other))
                .append(" | ").append(runs.stream().filter(r -> r.error() != null).count())
                .append(" | ").append(times.isEmpty() ? "-" : Math.round(times.stream().mapToLong(Long::longValue)
                        .average().orElse(0)) + " ms")
                .append(" | ").append(times.isEmpty() ? "-" : times.stream().mapToLong(Long::longValue).max()
                        .orElse(0) + " ms")
                .append(" |\n\n");

        md.append("| fault | runs with it | failed runs with it |\n|---|---:|---:|\n");
        Map<FaultKind, int[]> byKind = new EnumMap<>(FaultKind.class);
        for (RunResult r : runs) {
            r.plan().faults().stream().map(Fault::kind).distinct().forEach(k -> {
                int[] counts = byKind.computeIfAbsent(k, x -> new int[2]);
                counts[0]++;
                counts[1] += r.passed() ? 0 : 1;
            });
        }
        byKind.forEach((k, c) -> md.append("| ").append(k.id()).append(" | ").append(c[0]).append(" | ")
                .append(c[1]).append(" |\n"));

        List<RunResult> failed = failed();
        if (!failed.isEmpty()) {
            md.append("\n## Failed runs\n\nReplay one with `-Dcampaign.seed=SEED -Dcampaign.runs=1` and the same"
                    + " `-Dcampaign.faults`.\n\n");
            for (RunResult r : failed) {
                md.append("- ").append(r.line().replace("|", "\\|")).append('\n');
                r.problems().stream().limit(PROBLEMS_SHOWN)
                        .forEach(p -> md.append("  - ").append(p.replace("|", "\\|")).append('\n'));
                if (r.problems().size() > PROBLEMS_SHOWN) {
                    md.append("  - (").append(r.problems().size() - PROBLEMS_SHOWN).append(" more)\n");
                }
            }
        }
        return md.toString();
    }

    public void write(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
    }

    private long sum(ToLongFunction<RunResult> field) {
        return runs.stream().mapToLong(field).sum();
    }
}
