package org.hasm.ups.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One good answer of upsd about the UPS.
 *
 * @param flags the words of {@code ups.status} ({@code OL}, {@code OB}, {@code LB}, {@code FSD}, ...), upper case, in order
 * @param alarm {@code ups.alarm}, or {@code null} when the UPS reports none
 * @param charge {@code battery.charge} in percent, or {@code null} when not reported or not a number
 */
record Reading(Set<String> flags, String alarm, Double charge) {

    Reading {
        flags = Collections.unmodifiableSet(new LinkedHashSet<>(flags)); // upsd's order, for the line
        alarm = alarm == null || alarm.isBlank() ? null : alarm.strip();
    }

    /** @param status the value of {@code ups.status}, e.g. {@code "OB DISCHRG LB"} */
    static Reading of(String status, String alarm, String charge) {
        Set<String> flags = new LinkedHashSet<>();
        if (status != null) {
            Arrays.stream(status.strip().split("\\s+")).filter(s -> !s.isEmpty())
                    .forEach(s -> flags.add(s.toUpperCase(Locale.ROOT)));
        }
        Double c = null;
        if (charge != null) {
            try {
                c = Double.valueOf(charge.strip());
            } catch (NumberFormatException e) {
                // a driver that says something else is taken as saying nothing
            }
        }
        return new Reading(flags, alarm, c);
    }

    boolean has(String flag) {
        return flags.contains(flag);
    }

    /** @return the flags as upsd listed them, for a line and the status document */
    List<String> flagList() {
        return List.copyOf(flags);
    }

    /** @return e.g. {@code OB DISCHRG, battery 80%, alarm 'Temperature high'} */
    String describe() {
        return (flags.isEmpty() ? "no status" : String.join(" ", flags))
                + (charge == null ? "" : ", battery " + percent(charge))
                + (alarm == null ? "" : ", alarm '" + alarm + "'");
    }

    static String percent(double charge) {
        return (charge == Math.rint(charge) ? Long.toString((long) charge) : Double.toString(charge)) + "%";
    }
}
