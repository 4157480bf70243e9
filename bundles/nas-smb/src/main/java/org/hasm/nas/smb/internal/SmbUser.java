package org.hasm.nas.smb.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A configured SMB user: the name clients log in with, the NT hash of its password (MD4 of the
 * password in UTF-16LE, as Samba keeps it; never the password itself) and the Unix account Samba
 * authenticates it as. Samba looks every user up in the system's accounts, so each user needs an
 * account of its own; files are read and written as the SCM's own account whoever logs in
 * ({@code force user}), as the other file services do.
 *
 * @param name the SMB user name
 * @param ntHash 32 hex digits, upper case
 * @param account the Unix account; the name itself unless configured
 */
record SmbUser(String name, String ntHash, String account) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");
    private static final Pattern HASH = Pattern.compile("[0-9A-Fa-f]{32}");

    @Override
    public String toString() {
        // the hash stands in for the password: it is never printed
        return name + (account.equals(name) ? "" : " (as " + account + ")");
    }

    /**
     * @param text {@code name:NTHASH[:account]} entries separated by commas or white space; empty for none
     * @return the users, in the order given
     * @throws IllegalArgumentException naming the entry and what is wrong with it (never the hash)
     */
    static List<SmbUser> parse(String text) {
        List<SmbUser> users = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return users;
        }
        Set<String> names = new HashSet<>();
        Set<String> accounts = new HashSet<>();
        int index = 0;
        for (String entry : text.strip().split("[,\\s]+")) {
            index++;
            String[] parts = entry.split(":", -1);
            String where = "entry " + index + " ('" + (parts.length > 0 ? parts[0] : "") + "')";
            if (parts.length < 2 || parts.length > 3) {
                throw new IllegalArgumentException(where + " is not name:NTHASH[:account]");
            }
            if (!NAME.matcher(parts[0]).matches()) {
                throw new IllegalArgumentException(where + ": the name must be 1-32 letters, digits, '.', '_' or '-'");
            }
            if (!HASH.matcher(parts[1]).matches()) {
                throw new IllegalArgumentException(where + ": the NT hash must be 32 hex digits (MD4 of the password"
                        + " in UTF-16LE)");
            }
            String account = parts.length == 3 ? parts[2] : parts[0];
            if (!NAME.matcher(account).matches()) {
                throw new IllegalArgumentException(where + ": the account '" + account + "' is not a Unix account name");
            }
            if (!names.add(parts[0].toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(where + ": the name is given twice (SMB names ignore case)");
            }
            if (!accounts.add(account)) {
                throw new IllegalArgumentException(where + ": the account " + account + " belongs to another user"
                        + " already (Samba keeps one password per account)");
            }
            users.add(new SmbUser(parts[0], parts[1].toUpperCase(Locale.ROOT), account));
        }
        return users;
    }
}
