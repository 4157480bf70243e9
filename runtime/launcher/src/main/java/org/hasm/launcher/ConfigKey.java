package org.hasm.launcher;

import java.util.regex.Pattern;

/**
 * Which configuration a set of properties is for: a PID ({@code org.hasm.controller}), or a
 * factory PID and a name ({@code org.hasm.personality~a}), the notation of feature files and of
 * {@code etc/FACTORYPID~NAME.cfg}.
 *
 * @param pid the PID of a singleton configuration, or the factory PID of a factory configuration
 * @param name the name of a factory configuration, or {@code null} for a singleton
 */
record ConfigKey(String pid, String name) {

    /* PIDs are symbolic names (dot-separated tokens). Names are tokens with dots allowed: they
       end up in file names and in the PID Configuration Admin derives from them. */
    private static final Pattern PID = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    /**
     * @param key {@code PID} or {@code FACTORYPID~NAME}
     * @throws IllegalArgumentException saying what is wrong
     */
    static ConfigKey parse(String key) {
        int tilde = key.indexOf('~');
        String pid = tilde < 0 ? key : key.substring(0, tilde);
        String name = tilde < 0 ? null : key.substring(tilde + 1);
        if (!PID.matcher(pid).matches()) {
            throw new IllegalArgumentException("'" + pid + "' is not a valid " + (tilde < 0 ? "PID" : "factory PID")
                    + " (letters, digits, '_' and '-', in parts separated by single dots)");
        }
        if (name != null && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid configuration name in '" + key
                    + "' (letters, digits, '_' and '-', in parts separated by single dots)");
        }
        return new ConfigKey(pid, name);
    }

    boolean isFactory() {
        return name != null;
    }

    @Override
    public String toString() {
        return name == null ? pid : pid + "~" + name;
    }
}
