package org.hasm.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Samba's {@code smbtorture} (Debian {@code samba-testsuite}) suites against a share and reads
 * its results: one line per test, {@code success: NAME}, {@code failure: NAME [...]},
 * {@code skip: NAME}, {@code error: NAME}. Each suite runs with a deadline; a suite that overruns is
 * killed and counted as an error of the suite.
 */
public final class SmbTorture {

    /** The outcome of one test of a suite. */
    public enum Result {
        SUCCESS, FAILURE, SKIP, ERROR
    }

    /** The results of the suites run, by test name ({@code suite.test}), in the order they came. */
    public record Results(Map<String, Result> byTest) {
        public long count(Result result) {
            return byTest.values().stream().filter(r -> r == result).count();
        }

        /** @return passed tests over passed, failed and errored ones (skipped ones are not counted) */
        public double passRate() {
            long ran = count(Result.SUCCESS) + count(Result.FAILURE) + count(Result.ERROR);
            return ran == 0 ? 0 : (double) count(Result.SUCCESS) / ran;
        }

        @Override
        public String toString() {
            return count(Result.SUCCESS) + " passed, " + count(Result.FAILURE) + " failed, " + count(Result.ERROR)
                    + " errors, " + count(Result.SKIP) + " skipped";
        }
    }

    private static final Pattern LINE = Pattern.compile("^(success|failure|skip|error|xfail|uxsuccess): (\\S+)");

    private SmbTorture() {
    }

    /**
     * @param unc the share, {@code //127.0.0.1/SHARE}
     * @param log where each suite's whole output is kept ({@code log/SUITE.out}), for a failure message
     */
    public static Results run(String unc, int port, String user, String password, List<String> suites, Duration eachSuite,
            Path log) throws IOException {
        Files.createDirectories(log);
        Map<String, Result> results = new LinkedHashMap<>();
        for (String suite : suites) {
            Path out = log.resolve(suite + ".out");
            List<String> command = new ArrayList<>(List.of(smbtorture(), unc, "-p", String.valueOf(port),
                    "-U", user + "%" + password, suite));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                if (!p.waitFor(eachSuite.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    results.put(suite, Result.ERROR);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while " + suite + " ran", e);
            }
            results.putAll(parse(suite, Files.readAllLines(out, StandardCharsets.UTF_8)));
        }
        return new Results(results);
    }

    private static String smbtorture() throws IOException {
        Path path = org.hasm.itests.cluster.Requirements.tool("smbtorture");
        if (path == null) {
            throw new IOException("smbtorture is not installed (Debian: samba-testsuite)");
        }
        return path.toString();
    }

    /** @return the tests a suite's output reports, named {@code suite.test} */
    static Map<String, Result> parse(String suite, List<String> lines) {
        Map<String, Result> results = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            Result r = switch (m.group(1)) {
                case "success", "xfail" -> Result.SUCCESS;
                case "failure", "uxsuccess" -> Result.FAILURE;
                case "skip" -> Result.SKIP;
                default -> Result.ERROR;
            };
            results.put(suite + "." + m.group(2), r);
        }
        if (results.isEmpty()) {
            // smbtorture said nothing a test reports: the suite could not run (no connection, a bad name)
            results.put(suite, Result.ERROR);
        }
        return results;
    }
}
