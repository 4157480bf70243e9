package org.hasm.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hasm.spi.Export;
import org.hasm.spi.Personality;
import org.hasm.spi.storage.VolumeProblem;
import org.hasm.spi.storage.VolumeProblem.Kind;
import org.junit.jupiter.api.Test;

class StorageViewTest {

    private record P(String name, List<String> volumes) implements Personality {
        @Override
        public String home() {
            return "scm-" + name.toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public List<String> addresses() {
            return List.of();
        }

        @Override
        public List<Export> exports(String protocol) {
            return List.of();
        }

        @Override
        public Map<String, String> properties() {
            return Map.of();
        }
    }

    private record Problem(String volume, Kind kind, String reason, boolean peerCanWrite) implements VolumeProblem {
    }

    private static final List<Personality> PAIR = List.of(new P("A", List.of("vol-a")), new P("B", List.of("vol-b")));

    @Test
    void nothingToSayIsNone() {
        assertSame(StorageView.NONE, StorageView.of(List.of(), PAIR));
    }

    @Test
    void theNoteNamesPersonalityVolumeAndCause() {
        StorageView v = StorageView.of(List.of(new Problem("vol-a", Kind.RECORD_UNREADABLE,
                "volume ownership record /s/owners/vol-a is unreadable: checksum mismatch (torn or damaged); settling it"
                        + " with the peer", false)), PAIR);
        assertEquals("storage: personality A, volume vol-a is not served: its ownership record is unreadable: volume"
                + " ownership record /s/owners/vol-a is unreadable: checksum mismatch (torn or damaged); settling it with"
                + " the peer", v.note());
        assertFalse(v.unwritable());
        assertFalse(v.handOver());
    }

    @Test
    void onlyAVolumeThisScmCannotWriteAndThePeerCanMovesThePersonality() {
        StorageView full = StorageView.of(List.of(new Problem("vol-b", Kind.FULL, "No space left on device", false),
                new Problem("vol-b", Kind.NOT_ACQUIRED, "record cannot be written", false)), PAIR);
        assertFalse(full.unwritable());
        assertFalse(full.handOver());
        assertTrue(full.note().startsWith("storage: personality B, volume vol-b is full (writes answer 507): No space"),
                full.note());
        assertTrue(full.note().contains("; personality B, volume vol-b is not served: not acquired yet"), full.note());

        StorageView ro = StorageView.of(List.of(new Problem("vol-a", Kind.READ_ONLY, "Read-only file system", false)), PAIR);
        assertTrue(ro.unwritable());
        assertFalse(ro.handOver(), "the peer has not said it can write it");
        StorageView move = StorageView.of(List.of(new Problem("vol-a", Kind.IO_ERROR, "Input/output error", true)), PAIR);
        assertTrue(move.handOver());
        assertTrue(move.note().contains("fails with I/O errors here (writes answer 503) (the peer can write it)"),
                move.note());
        assertTrue(StorageView.of(List.of(new Problem("other", Kind.FULL, "x", false)), PAIR).note()
                .startsWith("storage: volume other is full"), "a volume of no personality is named alone");
    }
}
