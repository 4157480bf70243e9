package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.Volume;

/**
 * What serving one personality over NFS means: where to listen and which folders to offer. Two plans
 * are equal when serving them is the same, so an unchanged personality is left running across
 * transitions and a changed one is closed and opened again.
 */
record NfsPlan(String personality, List<String> addresses, int nfsPort, int mountPort, int portmapPort,
        List<ExportPlan> exports) {

    static final String PROTOCOL = "nfs";
    /** The personality property giving the port of NFS (and of MOUNT unless {@link #MOUNT_PORT} says otherwise). */
    static final String PORT = "nfs.port";
    static final String MOUNT_PORT = "nfs.mount.port";
    /** The port of the personality's portmapper: 111 unless set; 0 for none. */
    static final String PORTMAP_PORT = "nfs.portmap.port";
    static final int DEFAULT_PORTMAP_PORT = 111;

    private static final Pattern EXPORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    record ExportPlan(String name, String volume, Path root, Path folder, boolean readOnly, ExportAccess access) {
    }

    /** A personality this SCM should serve but cannot; the message names it and says why. */
    static class NotServable extends Exception {
        private static final long serialVersionUID = 1L;

        NotServable(String message) {
            super(message);
        }
    }

    /** @return every distinct port the personality listens on */
    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (int p : new int[] {nfsPort, mountPort, portmapPort}) {
            if (p > 0 && !ports.contains(p)) {
                ports.add(p);
            }
        }
        return ports;
    }

    /**
     * @return the plan, or {@code null} if the personality has no nfs export
     * @throws NotServable if it has exports that cannot be served
     */
    static NfsPlan of(Personality p, Volumes volumes) throws NotServable {
        List<Export> exports = p.exports(PROTOCOL);
        if (exports.isEmpty()) {
            return null;
        }
        String who = "personality " + p.name();
        int nfs = port(p, PORT, null);
        int mount = port(p, MOUNT_PORT, nfs);
        int portmap = port(p, PORTMAP_PORT, DEFAULT_PORTMAP_PORT);
        if (p.addresses().isEmpty()) {
            throw new NotServable(who + " has nfs exports but no address");
        }
        List<ExportPlan> plans = new ArrayList<>();
        for (Export e : exports) {
            if (!EXPORT_NAME.matcher(e.name()).matches() || e.name().startsWith(FileIds.RESERVED_PREFIX)) {
                throw new NotServable(who + ": export name '" + e.name() + "' is not a plain path segment");
            }
            Volume v = volumes.volume(e.volume());
            if (v == null) {
                throw new NotServable(who + ": volume " + e.volume() + " of export " + e.name()
                        + " is not owned by this SCM");
            }
            ExportAccess access;
            try {
                access = ExportAccess.of(p.properties(), e.name());
            } catch (IllegalArgumentException ex) {
                throw new NotServable(who + ": " + ex.getMessage());
            }
            plans.add(new ExportPlan(e.name(), e.volume(), v.root(), folder(who, e, v.root()), e.readOnly(), access));
        }
        return new NfsPlan(p.name(), List.copyOf(p.addresses()), nfs, mount, portmap, List.copyOf(plans));
    }

    private static int port(Personality p, String key, Integer fallback) throws NotServable {
        String raw = p.properties().get(key);
        if (raw == null) {
            if (fallback == null) {
                throw new NotServable("personality " + p.name() + " has nfs exports but no " + key);
            }
            return fallback;
        }
        try {
            return NfsCheck.port(raw, key.equals(PORTMAP_PORT));
        } catch (IllegalArgumentException e) {
            throw new NotServable("personality " + p.name() + ": " + key + ": " + e.getMessage());
        }
    }

    private static Path folder(String who, Export e, Path root) throws NotServable {
        Path folder = root.resolve(e.path()).normalize();
        String what = who + ": folder '" + e.path() + "' of export " + e.name();
        if (!folder.startsWith(root)) {
            throw new NotServable(what + " leaves volume " + e.volume());
        }
        if (root.relativize(folder).toString().startsWith(FileIds.RESERVED_PREFIX)) {
            throw new NotServable(what + " is hasm's own folder");
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
