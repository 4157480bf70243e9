package org.hasm.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.ClassDescriptor;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.ClassOrdererContext;

/**
 * Orders the integration test classes so that the two workers running them in parallel each start
 * with the longest, by the seconds each class took in a whole run ({@code durations.properties}
 * beside this class; a class not listed counts as {@value #UNKNOWN_SECONDS} s). A long class started
 * last would run alone at the end; started first, the short ones fill in beside it.
 *
 * <p>JUnit's fork-join executor forks the classes in this order; the worker that forked them runs
 * them from the last one back, the other takes them from the first one on. So the longest goes
 * first, the second longest last, the third second, and so on: both ends start long and meet at
 * the shortest. Run serially (no parallel execution), the order is only an order.
 *
 * <p>The figures only decide the order: stale ones make the run longer, never wrong.
 */
public final class LongestFirst implements ClassOrderer {

    static final long UNKNOWN_SECONDS = 30;
    private static final Properties SECONDS = load();

    @Override
    public void orderClasses(ClassOrdererContext context) {
        List<? extends ClassDescriptor> classes = context.getClassDescriptors();
        List<ClassDescriptor> longestFirst = new ArrayList<>(classes);
        longestFirst.sort(Comparator.comparingLong(LongestFirst::seconds).reversed()
                .thenComparing(d -> d.getTestClass().getName()));
        Map<ClassDescriptor, Integer> position = new IdentityHashMap<>();
        int front = 0;
        int back = longestFirst.size() - 1;
        for (int i = 0; i < longestFirst.size(); i++) {
            position.put(longestFirst.get(i), i % 2 == 0 ? front++ : back--);
        }
        classes.sort(Comparator.comparingInt(position::get));
    }

    private static long seconds(ClassDescriptor descriptor) {
        String value = SECONDS.getProperty(descriptor.getTestClass().getSimpleName());
        if (value == null) {
            return UNKNOWN_SECONDS;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("durations.properties: " + descriptor.getTestClass().getSimpleName() + "="
                    + value + " is not a whole number of seconds", e);
        }
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = LongestFirst.class.getResourceAsStream("durations.properties")) {
            if (in == null) {
                throw new IllegalStateException("durations.properties is missing beside " + LongestFirst.class.getName());
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("durations.properties beside " + LongestFirst.class.getName(), e);
        }
        return p;
    }
}
