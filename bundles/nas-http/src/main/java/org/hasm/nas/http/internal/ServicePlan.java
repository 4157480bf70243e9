package org.hasm.nas.http.internal;

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
 * What serving one personality over HTTP means: where to listen and which folders to offer. Two plans
 * are equal when serving them is the same, so an unchanged personality is left running across
 * transitions and a changed one is closed and opened again.
 */
record ServicePlan(String personality, List<String> addresses, int port, List<ExportPlan> exports) {

    /** The personality property that gives the port. */
    static final String PORT = "http.port";
    /** The protocol of the exports this service serves. */
    static final String PROTOCOL = "http";

    private static final Pattern EXPORT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** One export: its URL name and the folder it offers. */
    record ExportPlan(String name, String volume, Path root, Path folder, boolean readOnly) {
    }

    /** A personality this SCM should serve but cannot; the message names it and says why. */
    static class NotServable extends Exception {
        private static final long serialVersionUID = 1L;

        NotServable(String message) {
            super(message);
        }

        NotServable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @return the plan, or {@code null} if the personality has no http export (nothing to serve)
     * @throws NotServable if it has exports that cannot be served: bad port, no address, a volume this
     *     SCM does not own, a folder that is missing or leaves its volume
     */
    static ServicePlan of(Personality p, Volumes volumes) throws NotServable {
        List<Export> exports = p.exports(PROTOCOL);
        if (exports.isEmpty()) {
            return null;
        }
        String who = "personality " + p.name();
        int port = port(p);
        if (p.addresses().isEmpty()) {
            throw new NotServable(who + " has http exports but no address");
        }
        List<ExportPlan> plans = new ArrayList<>();
        for (Export e : exports) {
            if (!EXPORT_NAME.matcher(e.name()).matches() || ExportResources.isTemp(e.name())) {
                throw new NotServable(who + ": export name '" + e.name() + "' is not a plain URL segment");
            }
            Volume v = volumes.volume(e.volume());
            if (v == null) {
                // serving a volume another SCM may own would let both write it; one still being
                // acquired is opened and answers 503 until it is owned (VolumeAccess checks each request)
                throw new NotServable(who + ": volume " + e.volume() + " of export " + e.name()
                        + " is not owned by this SCM");
            }
            plans.add(new ExportPlan(e.name(), e.volume(), v.root(), folder(who, e, v.root()), e.readOnly()));
        }
        return new ServicePlan(p.name(), List.copyOf(p.addresses()), port, List.copyOf(plans));
    }

    private static int port(Personality p) throws NotServable {
        String raw = p.properties().get(PORT);
        if (raw == null) {
            throw new NotServable("personality " + p.name() + " has http exports but no " + PORT);
        }
        try {
            return HttpCheck.port(raw);
        } catch (IllegalArgumentException e) {
            throw new NotServable("personality " + p.name() + ": " + PORT + ": " + e.getMessage());
        }
    }

    private static Path folder(String who, Export e, Path root) throws NotServable {
        Path folder = root.resolve(e.path()).normalize();
        String what = who + ": folder '" + e.path() + "' of export " + e.name();
        if (!folder.startsWith(root)) {
            throw new NotServable(what + " leaves volume " + e.volume());
        }
        try {
            // a symbolic link on the way could lead out of the volume: compare the real paths
            if (!folder.toRealPath().startsWith(root.toRealPath())) {
                throw new NotServable(what + " leads out of volume " + e.volume());
            }
        } catch (IOException ex) {
            throw new NotServable(what + " is missing: " + ex.getMessage(), ex);
        }
        if (!Files.isDirectory(folder)) {
            throw new NotServable(what + " is not a folder");
        }
        return folder;
    }
}
