package org.hasm.nas.nfs.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Makes and checks file handles. A handle names an export and a file on it, and is authenticated
 * with a key derived from the cluster key, so both SCMs of a pair issue and accept the same handles
 * while nobody else can make one:
 *
 * <pre>
 * version       u8   ({@value #VERSION})
 * export        8 bytes: the first bytes of SHA-256("personality/export")
 * file id       8 bytes: the file's identity on the volume (see {@link FileIds})
 * inode         8 bytes: where the file was when the handle was made, a hint for finding it again
 * MAC           {@value #MAC_BYTES} bytes: HMAC-SHA256 over everything before it, truncated
 * </pre>
 *
 * A handle of another length or version, or whose MAC does not match, is refused as BADHANDLE
 * before anything is looked up; one of an export this personality does not serve is STALE.
 */
final class Handles {
    static final int VERSION = 1;
    static final int MAC_BYTES = 16;
    static final int BODY_BYTES = 1 + 8 + 8 + 8;
    static final int LENGTH = BODY_BYTES + MAC_BYTES;

    /** Computes the authentication code of a handle's body; thread-safe. */
    @FunctionalInterface
    interface Mac {
        /** @return at least {@link #MAC_BYTES} bytes that only a holder of the key can compute */
        byte[] mac(byte[] body);
    }

    /** A handle that checked out: which export, which file. */
    record Decoded(long export, long fileId, long inode) {
    }

    /** Why a handle was refused; carries the nfsstat3 to answer. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final Mac mac;

    Handles(Mac mac) {
        this.mac = mac;
    }

    /** @return the export id a handle carries for {@code personality}'s export {@code name} */
    static long exportId(String personality, String name) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((personality + "/" + name).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    byte[] encode(long export, long fileId, long inode) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put((byte) VERSION).putLong(export).putLong(fileId).putLong(inode);
        byte[] body = new byte[BODY_BYTES];
        b.flip();
        b.get(body);
        b.limit(LENGTH);
        b.put(mac.mac(body), 0, MAC_BYTES);
        return b.array();
    }

    /**
     * @return what the handle names, once its form and MAC are right
     * @throws Refused BADHANDLE for anything not made by a holder of the key
     */
    Decoded decode(byte[] handle) throws Refused {
        if (handle == null || handle.length != LENGTH) {
            throw new Refused(Nfs3.ERR_BADHANDLE, "handle of " + (handle == null ? 0 : handle.length)
                    + " bytes, not " + LENGTH);
        }
        if (handle[0] != VERSION) {
            throw new Refused(Nfs3.ERR_BADHANDLE, "handle version " + handle[0]);
        }
        byte[] body = new byte[BODY_BYTES];
        System.arraycopy(handle, 0, body, 0, BODY_BYTES);
        byte[] expected = mac.mac(body);
        byte[] got = new byte[MAC_BYTES];
        System.arraycopy(handle, BODY_BYTES, got, 0, MAC_BYTES);
        byte[] want = new byte[MAC_BYTES];
        System.arraycopy(expected, 0, want, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(want, got)) {
            throw new Refused(Nfs3.ERR_BADHANDLE, "handle not authentic");
        }
        ByteBuffer b = ByteBuffer.wrap(handle, 1, BODY_BYTES - 1);
        return new Decoded(b.getLong(), b.getLong(), b.getLong());
    }
}
