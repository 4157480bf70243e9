package org.hasm.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The secret both SCMs of a pair share: every frame between them is authenticated with it. Kept in
 * a file readable only by the runtime's user, as hex or base64 text.
 */
public final class ClusterKey {
    /** Shortest key accepted: HMAC-SHA256 gains nothing from longer, loses from shorter. */
    public static final int MIN_BYTES = 32;
    // A key file is a few dozen characters; refuse to read a huge file by mistake.
    private static final int MAX_FILE = 8192;

    private final byte[] key;
    private final Path file;

    private ClusterKey(byte[] key, Path file) {
        this.key = key;
        this.file = file;
    }

    /**
     * @param file hex or base64 text of at least {@value #MIN_BYTES} bytes of key
     * @return the key
     * @throws IOException whose message names the file and what is wrong with it
     */
    public static ClusterKey load(Path file) throws IOException {
        byte[] raw;
        try (InputStream in = Files.newInputStream(file)) {
            raw = in.readNBytes(MAX_FILE + 1);
        } catch (NoSuchFileException e) {
            throw new IOException("cluster key " + file + ": missing (both SCMs need the same key file)", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cluster key " + file + ": not readable by this user", e);
        } catch (IOException e) {
            throw new IOException("cluster key " + file + ": unreadable: " + e.getMessage(), e);
        }
        if (raw.length > MAX_FILE) {
            throw new IOException("cluster key " + file + ": over " + MAX_FILE + " bytes, not a key file");
        }
        String text = new String(raw, StandardCharsets.US_ASCII).replaceAll("\\s+", "");
        Arrays.fill(raw, (byte) 0);
        if (text.isEmpty()) {
            throw new IOException("cluster key " + file + ": empty");
        }
        byte[] key = parse(text);
        if (key == null) {
            throw new IOException("cluster key " + file + ": neither hex nor base64 text");
        }
        if (key.length < MIN_BYTES) {
            throw new IOException("cluster key " + file + ": " + key.length + " bytes of key, at least " + MIN_BYTES
                    + " needed");
        }
        return new ClusterKey(key, file);
    }

    private static byte[] parse(String text) {
        if (text.length() % 2 == 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return HexFormat.of().parseHex(text);
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(text);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }

    /**
     * Writes a new random key of {@value #MIN_BYTES} bytes, as hex, readable by the owner only.
     * Never overwrites: replacing the key of a running pair would cut it in two.
     *
     * @param file the key file to create; its folder is created if missing
     * @return the key written
     * @throws FileAlreadyExistsException if the file exists
     * @throws IOException if it cannot be written
     */
    public static ClusterKey generate(Path file) throws IOException {
        byte[] key = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(key);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            // created with the permissions, so the key is never readable by others, not even briefly
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.write(file, (HexFormat.of().formatHex(key) + "\n").getBytes(StandardCharsets.US_ASCII),
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new ClusterKey(key, file);
    }

    /**
     * A key for one purpose only, derived from this one (HMAC-SHA256 of {@code "hasm/" + purpose}).
     * Each module that talks to the peer authenticates with its own: a genuine frame of one (a link
     * request, say) can then never be replayed into another (a status channel), not even to move
     * its replay window.
     *
     * @param purpose {@code status}, {@code link}, ...
     * @return the derived key, same file
     */
    public ClusterKey derive(String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return new ClusterKey(mac.doFinal(("hasm/" + purpose).getBytes(StandardCharsets.UTF_8)), file);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java platform", e);
        }
    }

    /** @return a copy of the key's bytes */
    public byte[] bytes() {
        return key.clone();
    }

    /** @return the file it was read from */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "cluster key from " + file; // never the key itself
    }
}
