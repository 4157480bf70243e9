package org.hasm.ctcm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PairFilesTest {

    private static String edit(String before, Map<String, String> changes) {
        return new String(PairFiles.edit(before == null ? null : before.getBytes(StandardCharsets.UTF_8), changes),
                StandardCharsets.UTF_8);
    }

    @Test
    void setKeepsCommentsAndOrderReplacingInPlace() {
        assertEquals("# why\na=1\nb=20\n# more\nc=3\n", edit("# why\na=1\nb = 2\n# more\nc=3\n", Map.of("b", "20")));
    }

    @Test
    void newKeyIsAppendedAndNewFileCreated() {
        assertEquals("a=1\nz=26\n", edit("a=1\n", Map.of("z", "26")));
        assertEquals("name=C\n", edit(null, Map.of("name", "C")));
    }

    @Test
    void nullRemovesTheKeyAndItsContinuedLines() {
        Map<String, String> remove = new HashMap<>();
        remove.put("b", null);
        assertEquals("a=1\nc=3\n", edit("a=1\nb=x,\\\n  y\nc=3\n", remove));
    }

    @Test
    void valuesAreEscapedSoTheyReadBackTheSame() {
        String text = edit("", Map.of("k", " lead\\back\nline"));
        assertEquals(" lead\\back\nline".strip(), PairFiles.properties(text.getBytes(StandardCharsets.UTF_8), "f").get("k"));
    }

    @Test
    void badKeyIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> edit("", Map.of("a b", "1")));
        assertTrue(e.getMessage().contains("'a b'"), e.getMessage());
    }

    @Test
    void pairFilesArePatternMatched() {
        PairFiles p = new PairFiles(List.of("org.hasm.personality~*", "org.hasm.controller", "org.hasm.nas.*"));
        assertTrue(p.isPair("org.hasm.personality~a"));
        assertTrue(p.isPair("org.hasm.controller"));
        assertTrue(p.isPair("org.hasm.nas.smb"));
        assertFalse(p.isPair("org.hasm.controllers"));
        assertFalse(p.isPair("org.hasm.status.channel~link"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.requirePair("org.hasm.fence"));
        assertTrue(e.getMessage().contains("org.hasm.fence is this node's own configuration"), e.getMessage());
    }

    private static Snapshot holding(String... keys) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        for (String k : keys) {
            files.put(k, new byte[0]);
        }
        return new Snapshot(2, files);
    }

    @Test
    void aConfigurationFromElsewhereHoldingAFileThatIsNotThePairsIsRefusedNamingItAndWhere() {
        PairFiles p = new PairFiles(List.of("org.hasm.personality~*", "org.hasm.controller"));
        p.requirePairFiles(holding("org.hasm.controller", "org.hasm.personality~b"), "the peer");
        for (String bad : List.of("org.hasm.status", "org.hasm.fence", "../../outside/evil", "org.hasm.controller/x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> p.requirePairFiles(holding("org.hasm.controller", bad), "the replica /shared/config/db"), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("from the replica /shared/config/db"), e.getMessage());
        }
    }
}
