package org.hasm.itests.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmarks' one output format: a JSON line per figure on stdout,
 * {@code {"bench":"NAME","value":V,"unit":"UNIT"}}, which the bench profile shows in the build output.
 */
final class BenchReport {

    private BenchReport() {
    }

    static void print(String bench, long value, String unit) {
        System.out.println(String.format(Locale.ROOT, "{\"bench\":\"%s\",\"value\":%d,\"unit\":\"%s\"}", bench, value, unit));
    }

    static void print(String bench, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "{\"bench\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}", bench, value, unit));
    }

    /** Median (the upper one of an even count), min and max of the values. */
    static void summary(String bench, List<Long> values, String unit) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        print(bench + ".median", sorted.get(sorted.size() / 2), unit);
        print(bench + ".min", sorted.get(0), unit);
        print(bench + ".max", sorted.get(sorted.size() - 1), unit);
    }

    /** Median (the upper one of an even count), min and max of the values. */
    static void summaryOfDoubles(String bench, List<Double> values, String unit) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        print(bench + ".median", sorted.get(sorted.size() / 2), unit);
        print(bench + ".min", sorted.get(0), unit);
        print(bench + ".max", sorted.get(sorted.size() - 1), unit);
    }

    /** Prints the ratio of the medians of two series, {@code over} first (its unit is "x"). */
    static void ratio(String bench, List<Double> over, List<Double> under) {
        print(bench, median(over) / median(under), "x");
    }

    /** @return the median (the upper one of an even count) */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
