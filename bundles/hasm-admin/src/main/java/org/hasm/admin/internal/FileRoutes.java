package org.hasm.admin.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import org.hasm.spi.config.SharedFiles;

/**
 * The routes of the shared files (SFM): {@code GET /files} (this SCM's versions), {@code GET /files/NAME}
 * (this SCM's copy, its version and SHA-256, the content in base64), {@code POST /files/NAME} with the
 * content as the body ({@code application/octet-stream}), on the MASTER.
 */
final class FileRoutes {

    static final String PATH = "/files";
    /** The largest body read: a shared file travels to the peer in one link message. */
    static final int MAX_BODY = 64 * 1024;

    private FileRoutes() {
    }

    static AdminApi.Reply list(SharedFiles files) {
        JsonWriter w = new JsonWriter().beginObject().name("files").beginObject();
        files.versions().forEach((k, v) -> w.name(k).value(v));
        return AdminApi.Reply.ok(200, w.endObject().endObject().toString());
    }

    static AdminApi.Reply get(SharedFiles files, String name) {
        byte[] content;
        try {
            content = files.read(name);
        } catch (IllegalArgumentException e) {
            return AdminApi.Reply.error(400, e.getMessage());
        } catch (IOException e) {
            return AdminApi.Reply.error(500, "shared file " + name + ": " + e.getMessage());
        }
        if (content == null) {
            return AdminApi.Reply.error(404, "no shared file " + name + " on this SCM");
        }
        Long version = files.versions().get(name);
        return AdminApi.Reply.ok(200, new JsonWriter().beginObject().name("name").value(name).name("version")
                .value(version == null ? 0 : version).name("sha256").value(sha256(content)).name("content")
                .value(Base64.getEncoder().encodeToString(content)).endObject().toString());
    }

    static AdminApi.Reply write(SharedFiles files, String name, java.util.function.Supplier<byte[]> body) {
        byte[] content;
        try {
            content = body.get();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            return AdminApi.Reply.error(400, "shared file " + name + ": " + e.getMessage());
        }
        long version;
        try {
            version = files.write(name, content);
        } catch (IllegalArgumentException e) {
            return AdminApi.Reply.error(400, e.getMessage());
        } catch (IllegalStateException e) {
            return AdminApi.Reply.error(409, e.getMessage());
        } catch (IOException e) {
            return AdminApi.Reply.error(500, "shared file " + name + " not written: " + e.getMessage());
        }
        return AdminApi.Reply.ok(200, new JsonWriter().beginObject().name("name").value(name).name("version")
                .value(version).name("sha256").value(sha256(content)).endObject().toString());
    }

    /** @throws IllegalArgumentException when the body is larger than {@link #MAX_BODY} */
    static byte[] body(HttpServletRequest req) {
        try (InputStream in = req.getInputStream()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new IllegalArgumentException("the body is larger than " + MAX_BODY + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("the body cannot be read: " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
