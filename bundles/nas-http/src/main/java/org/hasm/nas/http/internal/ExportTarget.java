package org.hasm.nas.http.internal;

import java.nio.file.Path;
import java.util.Map;

/** What the servlet of one export needs to know, and where it reports. */
final class ExportTarget {
    private final String personality;
    private final ServicePlan.ExportPlan export;
    private final VolumeAccess volume;
    private final HttpSettings settings;
    private final Events events;
    private final CostlyRequests costly;
    private final DavLocks locks;

    ExportTarget(String personality, ServicePlan.ExportPlan export, VolumeAccess volume, HttpSettings settings,
            Events events, CostlyRequests costly, DavLocks locks) {
        this.locks = locks;
        this.personality = personality;
        this.export = export;
        this.volume = volume;
        this.settings = settings;
        this.events = events;
        this.costly = costly;
    }

    /** @return the export's WebDAV locks as the pair keeps them */
    DavLocks locks() {
        return locks;
    }

    /** @return the permits for expensive requests of the export's personality */
    CostlyRequests costly() {
        return costly;
    }

    String name() {
        return export.name();
    }

    boolean readOnly() {
        return export.readOnly();
    }

    Path folder() {
        return export.folder();
    }

    VolumeAccess volume() {
        return volume;
    }

    long maxPutBytes() {
        return settings.maxPutBytes();
    }

    /** @return the most live WebDAV locks the export may hold */
    int maxLocks() {
        return settings.maxLocks();
    }

    int retryAfterSeconds() {
        return settings.retryAfterSeconds();
    }

    /** @return the file a decoded request path names, or {@code null} if it would leave the export */
    Path fileOf(String path) {
        Path file = export.folder().resolve(path.startsWith("/") ? path.substring(1) : path).normalize();
        return file.startsWith(export.folder()) ? file : null;
    }

    void fenced(String why) {
        events.warn("personality " + personality + ", export " + export.name() + ": write refused: " + why);
        events.publish("FENCED", Map.of("personality", personality, "export", export.name(),
                "volume", export.volume(), "reason", why));
    }

    void warn(String message) {
        events.warn("personality " + personality + ", export " + export.name() + ": " + message);
    }
}
