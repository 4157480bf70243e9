package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hasm.wire.FrameCodec;
import org.hasm.wire.Keyring;

/**
 * Where the key that authenticates file handles comes from. In a pair it is the cluster key, derived
 * for this purpose alone ({@value #PURPOSE}) by the node's {@link Keyring}, which never hands the key
 * out: the handle's MAC is the authentication code of a frame of that purpose whose payload is the
 * handle's body, so both SCMs compute the same one and nobody else can. A standalone SCM has no
 * cluster key; it keeps a random key of its own in its data folder, readable by its owner only, written
 * whole and forced under a temporary name, renamed into place, and its folder forced.
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

    /**
     * @return the MAC of this SCM's own key in {@code file}, made on first use and durable before it is used:
     *     a key lost (or left empty) by a power cut would be replaced by a new one, and every handle a client
     *     holds would be refused
     */
    static Handles.Mac local(Path file) throws IOException {
        byte[] key;
        if (Files.exists(file)) {
            key = Files.readAllBytes(file);
        } else {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path folder = file.getParent();
            Path outermostMade = null; // the outermost of the folders made for the key, if any
            for (Path p = folder; p != null && !Files.isDirectory(p); p = p.getParent()) {
                outermostMade = p;
            }
            Files.createDirectories(folder);
            Records.deleteTemporaries(file); // what a crash left of an earlier first use
            Path tmp = Records.temporary(file);
            try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer b = ByteBuffer.wrap(key);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                out.force(true);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            // the key's name, then the names of the folders made for it
            for (Path p = folder; p != null; p = p.getParent()) {
                Records.forceFolder(p);
                if (outermostMade == null || p.equals(outermostMade.getParent())) {
                    break;
                }
            }
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
