package org.hasm.nas.smb.internal;

import java.util.List;

/**
 * The SMB service's settings, from the configuration {@value SmbModule#PID}, validated.
 *
 * @param smbd the smbd executable
 * @param pdbedit the pdbedit executable (creates each personality's user database)
 * @param users the configured users
 * @param guestAccount the Unix account guests are mapped to (shares with guest access only)
 * @param stopTimeoutMillis how long smbd has to end after SIGTERM before it gets SIGKILL
 * @param watchdogMillis how long smbd lives on when the SCM stops saying it owns the volumes (a
 *     paused or killed JVM); 0 = half the storage lease
 * @param restartMinMillis the first back-off before an smbd that ended by itself is started again
 * @param restartMaxMillis the longest back-off
 * @param logLevel Samba's log level for smbd's output (the SCM's log gets its lines)
 */
record SmbSettings(String smbd, String pdbedit, List<SmbUser> users, String guestAccount, long stopTimeoutMillis,
        long watchdogMillis, long restartMinMillis, long restartMaxMillis, int logLevel) {

    /** A value the service cannot run with: the key, and what is wrong with its value. */
    static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String key;
        private final String reason;

        Invalid(String key, String reason) {
            super(key + ": " + reason);
            this.key = key;
            this.reason = reason;
        }

        String key() {
            return key;
        }

        String reason() {
            return reason;
        }
    }

    SmbSettings {
        users = List.copyOf(users);
        notBlank("smbd", smbd);
        notBlank("pdbedit", pdbedit);
        notBlank("guest.account", guestAccount);
        if (users.stream().anyMatch(u -> u.account().equals(guestAccount))) {
            throw new Invalid("users", "the account " + guestAccount + " is the guest account"
                    + " (guest.account); Samba treats it as the guest, never as a user");
        }
        positive("stop.timeout.ms", stopTimeoutMillis);
        if (watchdogMillis < 0) {
            throw new Invalid("watchdog.ms", watchdogMillis + " must be 0 (half the storage lease) or positive");
        }
        positive("restart.min.ms", restartMinMillis);
        if (restartMaxMillis < restartMinMillis) {
            throw new Invalid("restart.max.ms", restartMaxMillis + " must be at least restart.min.ms="
                    + restartMinMillis);
        }
        if (logLevel < 0 || logLevel > 10) {
            throw new Invalid("log.level", logLevel + " must be 0..10");
        }
    }

    static SmbSettings of(SmbModule.Config c) {
        List<SmbUser> users;
        try {
            users = SmbUser.parse(c.users());
        } catch (IllegalArgumentException e) {
            throw new Invalid("users", e.getMessage());
        }
        return new SmbSettings(c.smbd(), c.pdbedit(), users, c.guest_account(), c.stop_timeout_ms(), c.watchdog_ms(),
                c.restart_min_ms(), c.restart_max_ms(), c.log_level());
    }

    /**
     * @param leaseMillis the storage lease ({@code org.hasm.storage lease.ms})
     * @return the watchdog's deadline in force: a paused SCM's smbd never outlives its lease
     */
    long watchdogMillis(long leaseMillis) {
        return watchdogMillis > 0 ? watchdogMillis : Math.max(20, leaseMillis / 2);
    }

    private static void notBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new Invalid(key, "must not be empty");
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new Invalid(key, value + " must be positive");
        }
    }
}
