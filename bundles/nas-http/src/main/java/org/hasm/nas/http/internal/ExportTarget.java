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
    private final DurableWrite durable;

    ExportTarget(String personality, ServicePlan.ExportPlan export, VolumeAccess volume, HttpSettings settings,
            Events events, CostlyRequests costly, DavLocks locks, DurableWrite durable) {
        this.locks = locks;
        this.durable = durable;
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

    /** @return how the export's files are written: the resources' and the dead properties' alike */
    DurableWrite durable() {
        return durable;
    }

    String personality() {
        return personality;
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

    /**
     * A file of the export's dead properties is not what hasm writes: its resource is served without them. Said
     * each time the file is read (by the count when the export opens or gets its volume back, and by a request of
     * its resource), so that an administrator can look at the file, which is left. A file that cannot be read at
     * all is not reported here: the request that needed it fails.
     */
    void damagedProperties(Path file, String why) {
        warn("dead properties in " + file + " are ignored: " + why);
        events.publish("DEAD_PROPERTIES_DAMAGED", Map.of("personality", personality, "export", export.name(),
                "volume", export.volume(), "file", file.toString(), "reason", why));
    }

    void warn(String message) {
        events.warn("personality " + personality + ", export " + export.name() + ": " + message);
    }
}
