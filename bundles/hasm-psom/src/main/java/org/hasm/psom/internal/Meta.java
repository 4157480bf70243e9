package org.hasm.psom.internal;

import org.hasm.spi.shared.Persistence;

/** What the two SCMs compare of an object when they resynchronise: its stamp and a checksum of its value. */
record Meta(String name, Persistence persistence, long term, long version, boolean deleted, int checksum) {

    /** @return whether this stamp is later than the other's: higher term, then higher version */
    boolean newerThan(Meta other) {
        return term != other.term ? term > other.term : version > other.version;
    }

    /** @return whether both describe the same content */
    boolean sameContent(Meta other) {
        return persistence == other.persistence && deleted == other.deleted && checksum == other.checksum;
    }
}
