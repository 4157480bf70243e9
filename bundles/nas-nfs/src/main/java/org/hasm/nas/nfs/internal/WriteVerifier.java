package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;

/**
 * RFC 1813's write verifier: a client that sees it change between an UNSTABLE WRITE and its COMMIT
 * must send the uncommitted data again, because the server may have lost it. hasm's verifier
 * changes exactly when that can have happened: when another SCM serves the volume (every change of
 * owner raises the volume's epoch: takeover, failback) or this SCM booted again (its incarnation
 * rises). It is made from those two numbers, never from a clock, so it is the same for every reply
 * of one SCM's tenure of a volume and never repeats a previous tenure's.
 */
final class WriteVerifier {
    private WriteVerifier() {
    }

    /**
     * @param epoch the epoch at which this SCM owns the volume
     * @param incarnation this SCM's boot incarnation
     * @return 8 bytes: the low 32 bits of the epoch, then those of the incarnation
     */
    static byte[] of(long epoch, long incarnation) {
        return ByteBuffer.allocate(Nfs3.VERFSIZE).putInt((int) epoch).putInt((int) incarnation).array();
    }
}
