package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.Volume;

/**
 * What serving one personality over SMB means: the addresses and port smbd binds, and the shares.
 * Two plans are equal when serving them is the same, so an unchanged personality keeps its smbd
 * across transitions and a changed one gets a new one.
 */
record SharePlan(String personality, List<String> addresses, int port, List<Share> shares) {

    /** The personality property that gives the port (445 for Windows clients; a high one on loopback). */
    static final String PORT = "smb.port";
    /** The personality property that names the shares guests may use, comma-separated. */
    static final String GUEST = "smb.guest";
    /**
     * The personality properties {@code smb.sync.<share>}: when a share's writes reach the disk,
     * {@value #SYNC_ALWAYS} (the default: each before smbd answers it) or {@value #SYNC_CLIENT} (when
     * the client asks: a flush, a write-through write, as a Windows server does).
     */
    static final String SYNC = "smb.sync.";
    static final String SYNC_ALWAYS = "always";
    static final String SYNC_CLIENT = "client";
    static final String PROTOCOL = "smb";

    /** Share names Samba reserves or treats specially. */
    private static final Set<String> RESERVED = Set.of("global", "homes", "printers", "print$", "ipc$");
    private static final Pattern SHARE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");

    /**
     * One share: its name, the volume and folder it offers, whether it is read-only, whether guests
     * may use it, whether every write is on disk before it is answered ({@value #SYNC_ALWAYS}).
     */
    record Share(String name, String volume, Path folder, boolean readOnly, boolean guest, boolean syncAlways) {
    }

    /** A personality this SCM should serve but cannot; the message names it and says why. */
    static final class NotServable extends Exception {
        private static final long serialVersionUID = 1L;

        NotServable(String message) {
            super(message);
        }
    }

    /**
     * @param volumes the volume of a name as the storage module has it (owned or being acquired), or null
     * @return the plan, or {@code null} if the personality has no smb export
     */
    static SharePlan of(Personality p, Function<String, Volume> volumes) throws NotServable {
        List<Export> exports = p.exports(PROTOCOL);
        if (exports.isEmpty()) {
            return null;
        }
        String who = "personality " + p.name();
        int port;
        try {
            port = port(p.properties().get(PORT));
        } catch (IllegalArgumentException e) {
            throw new NotServable(who + ": " + PORT + ": " + e.getMessage());
        }
        if (p.addresses().isEmpty()) {
            throw new NotServable(who + " has smb exports but no address");
        }
        Set<String> guests = guests(p.properties().get(GUEST));
        List<Share> shares = new ArrayList<>();
        for (Export e : exports) {
            String problem = shareNameProblem(e.name());
            if (problem != null) {
                throw new NotServable(who + ": share " + e.name() + ": " + problem);
            }
            Volume v = volumes.apply(e.volume());
            if (v == null) {
                throw new NotServable(who + ": volume " + e.volume() + " of share " + e.name()
                        + " is not owned by this SCM");
            }
            boolean syncAlways;
            try {
                syncAlways = syncAlways(sync(p.properties(), e.name()));
            } catch (IllegalArgumentException ex) {
                throw new NotServable(who + ": " + SYNC + e.name() + ": " + ex.getMessage());
            }
            shares.add(new Share(e.name(), e.volume(), folder(who, e, v.root()), e.readOnly(),
                    guests.contains(e.name().toLowerCase(Locale.ROOT)), syncAlways));
        }
        return new SharePlan(p.name(), List.copyOf(p.addresses()), port, List.copyOf(shares));
    }

    /** @return the names of the volumes the shares live on */
    List<String> volumes() {
        return shares.stream().map(Share::volume).distinct().toList();
    }

    /**
     * @return the port {@code raw} names
     * @throws IllegalArgumentException saying what is wrong with it (missing, not 1..65535)
     */
    static int port(String raw) {
        if (raw == null) {
            throw new IllegalArgumentException("missing: the personality has smb exports");
        }
        try {
            int port = Integer.parseInt(raw.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + raw + "' is not a port number (1..65535)");
    }

    /**
     * @return whether the policy {@code raw} ({@value #SYNC_ALWAYS} when absent) makes every write durable
     * @throws IllegalArgumentException naming the policies there are
     */
    static boolean syncAlways(String raw) {
        if (raw == null || raw.strip().equalsIgnoreCase(SYNC_ALWAYS)) {
            return true;
        }
        if (raw.strip().equalsIgnoreCase(SYNC_CLIENT)) {
            return false;
        }
        throw new IllegalArgumentException("'" + raw + "' is not a policy: " + SYNC_ALWAYS
                + " (every write on disk before it is answered) or " + SYNC_CLIENT + " (when the client flushes)");
    }

    /** @return the {@code smb.sync.<share>} of a share, its name in any case (share names ignore case) */
    private static String sync(Map<String, String> properties, String share) {
        String key = SYNC + share;
        return properties.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(key)).map(
                Map.Entry::getValue).findFirst().orElse(null);
    }

    /** @return the share names of {@value #GUEST}, lower case (SMB share names ignore case) */
    static Set<String> guests(String raw) {
        Set<String> names = new HashSet<>();
        if (raw != null && !raw.isBlank()) {
            Arrays.stream(raw.strip().split("[,\\s]+")).map(s -> s.toLowerCase(Locale.ROOT)).forEach(names::add);
        }
        return names;
    }

    /** @return what is wrong with a share name, or {@code null} if Samba can serve it as given */
    static String shareNameProblem(String name) {
        if (!SHARE_NAME.matcher(name).matches()) {
            return "the name must be 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit";
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            return "the name is reserved by SMB";
        }
        return null;
    }

    private static Path folder(String who, Export e, Path root) throws NotServable {
        Path folder = root.resolve(e.path()).normalize();
        String what = who + ": folder '" + e.path() + "' of share " + e.name();
        if (!folder.startsWith(root)) {
            throw new NotServable(what + " leaves volume " + e.volume());
        }
        try {
            if (!folder.toRealPath().startsWith(root.toRealPath())) {
                throw new NotServable(what + " leads out of volume " + e.volume());
            }
        } catch (IOException ex) {
            throw new NotServable(what + " is missing: " + ex.getMessage());
        }
        if (!Files.isDirectory(folder)) {
            throw new NotServable(what + " is not a folder");
        }
        return folder;
    }
}
