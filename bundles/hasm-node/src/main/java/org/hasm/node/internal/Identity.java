package org.hasm.node.internal;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import org.hasm.spi.OpMode;
import org.hasm.spi.node.Findings;
import org.hasm.spi.node.Node;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;

/**
 * The node's identity, validated: the one place where {@code hasm.scm}, {@code hasm.peer},
 * {@code hasm.role}, the data folder and the cluster key are read. A value that is wrong is
 * reported (naming its key) and left {@code null}, so that everything wrong is said at once.
 *
 * @param scm this SCM's name, or {@code null} if it is not valid
 * @param peer the peer's name, {@code null} for a standalone SCM (or if it is not valid)
 * @param role the configured role, or {@code null} if it is not valid
 * @param dataDir the data folder, or {@code null}
 * @param key the cluster key, or {@code null}: standalone without one, or not valid
 * @param keyProblem why there is no key, for a codec asked for anyway
 */
record Identity(String scm, String peer, OpMode role, Path dataDir, ClusterKey key, String keyProblem) {

    static final String SCM = "hasm.scm";
    static final String PEER = "hasm.peer";
    static final String ROLE = "hasm.role";
    static final String DATA_DIR = "hasm.data.dir";
    static final String KEY_FILE = "hasm.cluster.key.file";

    /**
     * @param c the node's configuration
     * @param findings told of every problem, under {@link Node#PID}
     */
    static Identity of(NodeConfig c, Findings findings) {
        String scm = text(() -> c.hasm_scm(), SCM, findings);
        if (scm == null) {
            findings.problem(Node.PID, SCM, "missing: this SCM's name (hasm.scm=scm-a)");
        } else if (!FrameCodec.validName(scm)) {
            findings.problem(Node.PID, SCM, "'" + scm + "' is not an SCM name (letters, digits, '_' and '-', at most "
                    + FrameCodec.MAX_SENDER + ")");
            scm = null;
        }
        String peer = text(() -> c.hasm_peer(), PEER, findings);
        if (peer != null && !FrameCodec.validName(peer)) {
            findings.problem(Node.PID, PEER, "'" + peer + "' is not an SCM name (letters, digits, '_' and '-', at most "
                    + FrameCodec.MAX_SENDER + ")");
            peer = null;
        } else if (peer != null && peer.equals(scm)) {
            findings.problem(Node.PID, PEER, "'" + peer + "' is this SCM's own name: the peer is the other SCM");
            peer = null;
        }
        OpMode role = null;
        String rawRole = text(() -> c.hasm_role(), ROLE, findings);
        if (rawRole == null) {
            findings.problem(Node.PID, ROLE, "missing: MASTER or SLAVE");
        } else {
            try {
                role = OpMode.valueOf(rawRole.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                findings.problem(Node.PID, ROLE, "'" + rawRole + "' is not a role (MASTER or SLAVE)");
            }
        }
        String rawData = text(() -> c.hasm_data_dir(), DATA_DIR, findings);
        if (rawData == null) {
            findings.problem(Node.PID, DATA_DIR, "missing: the folder where the incarnation is kept");
        }
        Path dataDir = path(rawData, DATA_DIR, findings);
        ClusterKey key = null;
        String keyProblem = "no cluster key: the SCM runs standalone (no " + PEER + ")";
        boolean paired = text(() -> c.hasm_peer(), PEER, s -> { }) != null;
        String rawKey = text(() -> c.hasm_cluster_key_file(), KEY_FILE, findings);
        if (paired) {
            Path file = path(rawKey, KEY_FILE, findings);
            if (rawKey == null) {
                keyProblem = "missing: a paired SCM (" + PEER + " set) needs the cluster key both SCMs share";
                findings.problem(Node.PID, KEY_FILE, keyProblem);
            } else if (file != null) {
                try {
                    key = ClusterKey.load(file);
                } catch (IOException e) {
                    keyProblem = e.getMessage();
                    findings.problem(Node.PID, KEY_FILE, keyProblem);
                }
            }
        }
        return new Identity(scm, peer, role, dataDir, key, key == null ? keyProblem : null);
    }

    /** Reports a value DS or the converter could not read, naming the key. */
    private interface Read {
        String get();
    }

    private interface Report {
        void problem(String reason);
    }

    private static String text(Read read, String key, Findings findings) {
        return text(read, key, reason -> findings.problem(Node.PID, key, reason));
    }

    private static String text(Read read, String key, Report report) {
        try {
            String s = read.get();
            return s == null || s.isBlank() ? null : s.strip();
        } catch (RuntimeException e) {
            report.problem(e.getMessage());
            return null;
        }
    }

    private static Path path(String raw, String key, Findings findings) {
        if (raw == null) {
            return null;
        }
        try {
            Path p = Path.of(raw);
            if (!p.isAbsolute()) {
                findings.problem(Node.PID, key, "'" + raw + "' is not an absolute path");
                return null;
            }
            return p.normalize();
        } catch (InvalidPathException e) {
            findings.problem(Node.PID, key, "'" + raw + "' is not a path: " + e.getMessage());
            return null;
        }
    }

    /** @return whether the identity is complete: a name, a role and a data folder */
    boolean complete() {
        return scm != null && role != null && dataDir != null;
    }
}
