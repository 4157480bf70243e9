package org.hasm.spi;

/**
 * The tier of a module. HASM modules (storage, addresses, the link, ...) come before services in
 * every call that takes work on, and after them in every call that gives work away.
 */
public enum Tier {
    /** A module of the HA runtime itself. */
    HASM("hasm"),
    /** An application: a NAS service or a third party's service bundle. */
    SERVICE("service");

    private final String value;

    Tier(String value) {
        this.value = value;
    }

    /** @return the value of the {@link HaModule#MODULE_TIER} service property for this tier */
    public String value() {
        return value;
    }

    /**
     * Parses a {@link HaModule#MODULE_TIER} property value, ignoring case.
     *
     * @param value {@code hasm} or {@code service}; {@code null} means {@link #SERVICE}
     * @return the tier
     * @throws IllegalArgumentException naming the value if it is neither
     */
    public static Tier parse(Object value) {
        if (value == null) {
            return SERVICE;
        }
        String s = String.valueOf(value).trim();
        for (Tier t : values()) {
            if (t.value.equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                HaModule.MODULE_TIER + "=" + s + " is not a tier: expected 'hasm' or 'service'");
    }
}
