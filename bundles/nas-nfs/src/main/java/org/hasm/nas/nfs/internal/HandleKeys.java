package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.Keyring;

/**
 * Where the key that authenticates file handles comes from. In a pair it is the cluster key, derived
 * for this purpose alone ({@value #PURPOSE}) by the node's {@link Keyring}, which never hands the key
 * out: the handle's MAC is the authentication code of a frame of that purpose whose payload is the
 * handle's body, so both SCMs compute the same one and nobody else can. A standalone SCM has no
 * cluster key; it keeps a random key of its own in its data folder, readable by its owner only.
 */
final class HandleKeys {
    static final String PURPOSE = "nfs-handle";
    private static final String SENDER = "nfs";

    private HandleKeys() {
    }

    /** @return the MAC of the cluster key, or {@code null} if the node has no cluster key */
    static Handles.Mac cluster(Keyring keyring) {
        FrameCodec codec;
        try {
            codec = keyring.codec(PURPOSE);
        } catch (IllegalStateException e) {
            return null;
        }
        return body -> {
            byte[] frame = codec.encode(0, SENDER, 0, 0, body);
            return Arrays.copyOfRange(frame, frame.length - FrameCodec.MAC_LENGTH, frame.length);
        };
    }

    /** @return the MAC of this SCM's own key in {@code file}, made on first use */
    static Handles.Mac local(Path file) throws IOException {
        byte[] key;
        if (Files.exists(file)) {
            key = Files.readAllBytes(file);
        } else {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, key);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        if (key.length < 32) {
            throw new IOException(file + " holds " + key.length + " bytes, not a 32-byte key");
        }
        return hmac(key);
    }

    static Handles.Mac hmac(byte[] key) {
        ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(key, "HmacSHA256"));
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every Java platform", e);
            }
        });
        return body -> macs.get().doFinal(body);
    }
}
