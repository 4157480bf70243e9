package org.hasm.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hasm.config.Typed;
import org.hasm.spi.OpMode;
import org.hasm.wire.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {

    @TempDir
    Path dir;

    private Map<String, Object> config(String... kv) throws Exception {
        Path key = dir.resolve("cluster.key");
        if (!Files.exists(key)) {
            ClusterKey.generate(key);
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hasm.scm", "scm-a");
        p.put("hasm.role", "MASTER");
        p.put("hasm.peer", "scm-b");
        p.put("hasm.data.dir", dir.resolve("data").toString());
        p.put("hasm.cluster.key.file", key.toString());
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                p.remove(kv[i]);
            } else {
                p.put(kv[i], kv[i + 1]);
            }
        }
        return p;
    }

    private static Identity of(Map<String, Object> p, Found found) {
        return Identity.of(Typed.of(NodeConfig.class, p), found);
    }

    @Test
    void aSoundPairedNodeHasItsNamePeerRoleFolderAndKey() throws Exception {
        Found found = new Found();
        Identity id = of(config("hasm.role", "slave"), found);
        assertEquals("", found.all());
        assertEquals("scm-a", id.scm());
        assertEquals("scm-b", id.peer());
        assertEquals(OpMode.SLAVE, id.role());
        assertEquals(dir.resolve("data"), id.dataDir());
        assertNotNull(id.key());
    }

    @Test
    void aStandaloneNodeNeedsNoKey() throws Exception {
        Found found = new Found();
        Identity id = of(config("hasm.peer", "", "hasm.cluster.key.file", dir.resolve("none").toString()), found);
        assertEquals("", found.all());
        assertNull(id.peer());
        assertNull(id.key());
        assertTrue(id.keyProblem().contains("standalone"), id.keyProblem());
    }

    @Test
    void eachKeyIsCheckedAndNamed() throws Exception {
        assertProblem(config("hasm.scm", null), "hasm.scm: missing");
        assertProblem(config("hasm.scm", "scm a"), "hasm.scm: 'scm a' is not an SCM name");
        assertProblem(config("hasm.peer", "scm/b"), "hasm.peer: 'scm/b' is not an SCM name");
        assertProblem(config("hasm.peer", "scm-a"), "hasm.peer: 'scm-a' is this SCM's own name");
        assertProblem(config("hasm.role", "MASTRE"), "hasm.role: 'MASTRE' is not a role (MASTER or SLAVE)");
        assertProblem(config("hasm.role", null), "hasm.role: missing");
        assertProblem(config("hasm.data.dir", "data"), "hasm.data.dir: 'data' is not an absolute path");
        assertProblem(config("hasm.data.dir", null), "hasm.data.dir: missing");
    }

    @Test
    void aPairedNodeWithoutAGoodClusterKeyIsRefused() throws Exception {
        assertProblem(config("hasm.cluster.key.file", dir.resolve("absent.key").toString()),
                "hasm.cluster.key.file: cluster key " + dir.resolve("absent.key") + ": missing");
        assertProblem(config("hasm.cluster.key.file", ""), "hasm.cluster.key.file: missing: a paired SCM");
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "00112233\n", StandardCharsets.US_ASCII);
        assertProblem(config("hasm.cluster.key.file", shortKey.toString()), "4 bytes of key, at least 32 needed");
        Path garbage = dir.resolve("garbage.key");
        Files.writeString(garbage, "not a key at all!\n", StandardCharsets.US_ASCII);
        assertProblem(config("hasm.cluster.key.file", garbage.toString()), "neither hex nor base64");
    }

    @Test
    void aCodecForAPurposeAuthenticatesOnlyFramesOfThatPurpose() throws Exception {
        Identity id = of(config(), new Found());
        NodeState state = new NodeState(id, () -> null);
        ClusterKey key = id.key();
        org.hasm.wire.FrameCodec status = new org.hasm.wire.FrameCodec(key.derive("status"));
        org.hasm.wire.FrameCodec link = new org.hasm.wire.FrameCodec(key.derive("link"));
        byte[] frame = status.encode(1, "scm-a", 1, 1, new byte[] {1});
        assertNotNull(status.decode(frame, 0, frame.length));
        assertThrows(org.hasm.wire.FrameException.class, () -> link.decode(frame, 0, frame.length));
        assertEquals("scm-a", state.scm());
    }

    private void assertProblem(Map<String, Object> config, String expected) {
        Found found = new Found();
        of(config, found);
        assertTrue(found.all().contains(expected), "expected '" + expected + "' in:\n" + found.all());
    }
}
