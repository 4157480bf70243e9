package org.hasm.controller.internal;

import java.util.ArrayList;
import java.util.List;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.VolumeProblem;

/**
 * What the controller knows of this SCM's storage, from the storage module's problems: a line for
 * the status (naming personality, volume and cause) and the two facts the state machine acts on.
 * Immutable; built by a pure function.
 *
 * @param note the problems for the operator, {@code null} if there is none
 * @param unwritable some volume is read-only or failing here: the cause that keeps a storage
 *     MONITOR, and ends it when it goes
 * @param handOver some of those volumes the peer said it can write: its personality is better served there
 */
record StorageView(String note, boolean unwritable, boolean handOver) {

    static final StorageView NONE = new StorageView(null, false, false);

    /**
     * @param problems what the storage module reports now
     * @param personalities every personality of the pair, to name the one a volume belongs to
     */
    static StorageView of(List<VolumeProblem> problems, List<Personality> personalities) {
        if (problems.isEmpty()) {
            return NONE;
        }
        List<String> lines = new ArrayList<>();
        boolean unwritable = false;
        boolean handOver = false;
        for (VolumeProblem p : problems) {
            boolean cannotWrite = p.kind() == VolumeProblem.Kind.READ_ONLY || p.kind() == VolumeProblem.Kind.IO_ERROR;
            unwritable |= cannotWrite;
            handOver |= cannotWrite && p.peerCanWrite();
            lines.add(owner(p.volume(), personalities) + "volume " + p.volume() + " " + what(p.kind())
                    + (cannotWrite && p.peerCanWrite() ? " (the peer can write it)" : "") + ": " + p.reason());
        }
        return new StorageView("storage: " + String.join("; ", lines), unwritable, handOver);
    }

    private static String owner(String volume, List<Personality> personalities) {
        for (Personality p : personalities) {
            if (p.volumes().contains(volume)) {
                return "personality " + p.name() + ", ";
            }
        }
        return "";
    }

    private static String what(VolumeProblem.Kind kind) {
        return switch (kind) {
            case FULL -> "is full (writes answer 507)";
            case READ_ONLY -> "is read-only here (writes answer 503)";
            case IO_ERROR -> "fails with I/O errors here (writes answer 503)";
            case RECORD_UNREADABLE -> "is not served: its ownership record is unreadable";
            case NOT_ACQUIRED -> "is not served: not acquired yet";
        };
    }
}
