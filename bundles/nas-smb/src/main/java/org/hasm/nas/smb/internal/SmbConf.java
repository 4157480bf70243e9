package org.hasm.nas.smb.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.hasm.spi.storage.DurableFiles;

/**
 * The private {@code smb.conf} of one personality's smbd, and the folders it names. Everything smbd
 * keeps (locks, state, caches, the user database, its pid file) lives in the personality's folder under
 * the SCM's data folder, so two smbd on one host (both personalities in DEGRADED, or a pair on one
 * machine) never share a file, and the system's Samba configuration is never read.
 *
 * <p>Settings and why:
 * <ul>
 * <li>{@code interfaces} lists the personality's addresses with a prefix (Samba takes an address that
 *     is on no interface, such as a loopback-mode 127.x address, only as {@code address/prefix}),
 *     {@code bind interfaces only}: smbd listens on nothing else, so the personality's address is the
 *     only way in and giving it away closes exactly its sockets.</li>
 * <li>SMB2_02 to SMB3; NetBIOS, printing, usershares and the RPC services (share enumeration) off:
 *     file service only.</li>
 * <li>{@code sync always} with {@code strict sync}: every write is on disk before its reply (a client
 *     that was told its write succeeded finds it after a crash of either SCM); see the README for the
 *     cost measured.</li>
 * <li>{@code force user} = the SCM's own account: files are owned as the other file services write
 *     them, whoever logs in; users authenticate with the configured hashes ({@code users.map} maps each
 *     to its Unix account), unknown names become the guest, who is let into guest shares only.</li>
 * <li>{@code follow symlinks = no}: a link in a volume never leads a client elsewhere.</li>
 * <li>{@code veto files} = hasm's reserved names ({@link DurableFiles#RESERVED_PREFIX}): a module's private
 *     folder on a volume is never shown to nor reached by a client of a share.</li>
 * </ul>
 */
final class SmbConf {

    /** Sub-folders of a personality's folder that smbd writes. */
    static final List<String> FOLDERS = List.of("lock", "state", "cache", "private", "run", "ncalrpc");
    static final String CONF = "smb.conf";
    static final String USERS_MAP = "users.map";
    /** The passdb the module creates at init, with pdbedit. */
    static final String PASSDB = "private/passdb.tdb";
    /** smbd names its pid file after its configuration file: {@code smbd-<name>.pid}, or this for smb.conf. */
    static final String PID_FILE = "run/smbd.pid";

    private SmbConf() {
    }

    /**
     * @param dir the personality's folder (absolute)
     * @param plan what to serve; {@code null} for the configuration pdbedit reads (no share, no address)
     * @param serviceAccount the account files are read and written as
     * @return the text of smb.conf
     * @throws IllegalArgumentException if a path or name could not be written into smb.conf as it is
     */
    static String text(Path dir, String personality, SharePlan plan, SmbSettings settings, String serviceAccount) {
        StringBuilder t = new StringBuilder();
        t.append("# personality ").append(personality).append(": written by hasm's SMB service, rewritten at every start\n");
        t.append("[global]\n");
        line(t, "server role", "standalone server");
        line(t, "server string", "hasm personality " + personality);
        line(t, "netbios name", netbiosName(personality));
        line(t, "workgroup", "WORKGROUP");
        if (plan != null) {
            line(t, "smb ports", Integer.toString(plan.port()));
            StringBuilder interfaces = new StringBuilder();
            for (String a : plan.addresses()) {
                interfaces.append(interfaces.length() == 0 ? "" : " ").append(withPrefix(a));
            }
            line(t, "interfaces", interfaces.toString());
        } else {
            line(t, "interfaces", "127.0.0.1/8");
        }
        line(t, "bind interfaces only", "yes");
        // smbd counts every SMB2 call and its time, which smbstatus -P reads for the SCM's metrics
        line(t, "smbd profiling level", "on");
        line(t, "disable netbios", "yes");
        line(t, "server min protocol", "SMB2_02");
        line(t, "server max protocol", "SMB3");
        for (String f : FOLDERS) {
            String key = switch (f) {
                case "lock" -> "lock directory";
                case "state" -> "state directory";
                case "cache" -> "cache directory";
                case "private" -> "private dir";
                case "run" -> "pid directory";
                default -> "ncalrpc dir";
            };
            line(t, key, path(dir.resolve(f)));
        }
        line(t, "passdb backend", "tdbsam:" + path(dir.resolve(PASSDB)));
        line(t, "username map", path(dir.resolve(USERS_MAP)));
        line(t, "map to guest", "Bad User");
        line(t, "guest account", settings.guestAccount());
        line(t, "idmap config * : backend", "tdb");
        line(t, "idmap config * : range", "1000000-1999999");
        line(t, "load printers", "no");
        line(t, "printing", "bsd");
        line(t, "printcap name", "/dev/null");
        line(t, "disable spoolss", "yes");
        line(t, "usershare path", "");
        line(t, "rpc_server:default", "disabled");
        line(t, "log level", Integer.toString(settings.logLevel()));
        // a client's flush and a write-through write reach the disk before they are answered, on
        // every share; "sync always" (per share) adds every other write
        line(t, "strict sync", "yes");
        line(t, "follow symlinks", "no");
        if (plan != null) {
            for (SharePlan.Share s : plan.shares()) {
                t.append('\n').append('[').append(s.name()).append("]\n");
                line(t, "path", path(s.folder()));
                line(t, "read only", s.readOnly() ? "yes" : "no");
                line(t, "guest ok", s.guest() ? "yes" : "no");
                line(t, "sync always", s.syncAlways() ? "yes" : "no");
                line(t, "force user", serviceAccount);
                line(t, "browseable", "yes");
                // hasm's own names on a volume (the modules' private folders, temporary files, the NFS
                // service's file ids) are neither shown nor reachable: no export may reach them
                line(t, "veto files", "/" + DurableFiles.RESERVED_PREFIX + "*/");
            }
        }
        return t.toString();
    }

    /** @return the lines of {@code users.map}: each account is its user's name */
    static String usersMap(List<SmbUser> users) {
        StringBuilder t = new StringBuilder("# Unix account = SMB user, written by hasm's SMB service\n");
        for (SmbUser u : users) {
            t.append(u.account()).append(" = ").append(u.name()).append('\n');
        }
        return t.toString();
    }

    /**
     * @return the address with a prefix Samba accepts for an address on no interface: one where the
     *     address is neither the network's nor its broadcast address
     */
    static String withPrefix(String address) {
        InetAddress a;
        if (!address.matches("[0-9A-Fa-f.:]+")) {
            // never a name: getByName would ask the resolver
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
        try {
            a = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address", e);
        }
        if (!(a instanceof Inet4Address)) {
            return a.getHostAddress() + "/64";
        }
        byte[] b = a.getAddress();
        int value = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        for (int prefix : new int[] {24, 16, 8, 30}) {
            int host = (int) ((1L << (32 - prefix)) - 1);
            int part = value & host;
            if (part != 0 && part != host) {
                return a.getHostAddress() + "/" + prefix;
            }
        }
        throw new IllegalArgumentException(address + " is a network or broadcast address under every prefix");
    }

    private static String netbiosName(String personality) {
        String n = ("HASM-" + personality).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9-]", "-");
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    private static String path(Path p) {
        return value(p.toAbsolutePath().toString());
    }

    private static void line(StringBuilder t, String key, String value) {
        t.append("  ").append(key).append(" = ").append(value(value)).append('\n');
    }

    /** Samba reads a value to the end of its line and trims it: anything that would change that is refused. */
    private static String value(String v) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\0') >= 0 || !v.equals(v.strip())) {
            throw new IllegalArgumentException("'" + v.replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0")
                    + "' cannot be written into smb.conf (a line break, a NUL, or white space at an end)");
        }
        return v;
    }
}
