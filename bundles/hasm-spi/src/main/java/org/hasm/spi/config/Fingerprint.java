package org.hasm.spi.config;

/**
 * What identifies a committed configuration of the pair: its generation (0 before the first commit,
 * then one more per transaction) and the SHA-256 of its content, as lower-case hex. Two SCMs with the
 * same generation and different checksums contradict each other.
 *
 * @param generation the generation
 * @param checksum the SHA-256 of the configuration's content
 */
public record Fingerprint(long generation, String checksum) {

    /** @return {@code GENERATION:CHECKSUM}, the form the SCMs exchange */
    @Override
    public String toString() {
        return generation + ":" + checksum;
    }

    /**
     * @param text {@code GENERATION:CHECKSUM}
     * @return the fingerprint
     * @throws IllegalArgumentException naming what is malformed
     */
    public static Fingerprint parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("configuration fingerprint '" + text + "': expected GENERATION:CHECKSUM");
        }
        long generation;
        try {
            generation = Long.parseLong(text.substring(0, colon));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration fingerprint '" + text + "': the generation is not a number");
        }
        String checksum = text.substring(colon + 1);
        if (generation < 0 || !checksum.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("configuration fingerprint '" + text
                    + "': expected a generation of 0 or more and a SHA-256 in lower-case hex");
        }
        return new Fingerprint(generation, checksum);
    }
}
