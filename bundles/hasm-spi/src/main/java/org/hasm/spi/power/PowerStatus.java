package org.hasm.spi.power;

import java.time.Instant;
import java.util.List;

/**
 * The UPS as this SCM last saw it, and what it decided.
 *
 * @param ups the UPS watched, as {@code NAME@HOST:PORT}
 * @param connected whether the last poll of {@code upsd} got an answer with data
 * @param flags the UPS's status flags of the last good reading ({@code OL}, {@code OB}, {@code LB},
 *     {@code FSD}, {@code RB}, {@code OVER}, {@code ALARM}, ...); empty before the first one
 * @param batteryCharge the battery charge in percent of the last good reading, or {@code null} when the
 *     UPS does not report it
 * @param alarm the UPS's alarm text ({@code ups.alarm}) of the last good reading, or {@code null}
 * @param line one line for an operator: the UPS, its state and what this SCM does about it
 * @param lastReading when the last good reading arrived, or {@code null} if none yet
 */
public record PowerStatus(String ups, boolean connected, List<String> flags, Double batteryCharge, String alarm,
        String line, Instant lastReading) {

    public PowerStatus {
        flags = List.copyOf(flags);
    }
}
