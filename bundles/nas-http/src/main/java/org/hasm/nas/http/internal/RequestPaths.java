package org.hasm.nas.http.internal;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * The checks a request path passes before Tomcat sees it. Tomcat already refuses a path that climbs
 * above its root, an encoded {@code /}, a backslash and NUL; but it also quietly normalizes
 * {@code /docs/../other} into another export's path, and {@code /docs/..;/other} too, since it drops
 * path parameters first. A file server has no use for dot segments or backslashes, so any of them, raw
 * or percent-encoded, with or without parameters, is refused outright rather than interpreted.
 */
final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * @param rawUri the request URI as sent, not decoded
     * @return why it is refused, or {@code null} if it is acceptable
     */
    static String refusal(String rawUri) {
        if (rawUri == null || rawUri.isEmpty() || rawUri.charAt(0) != '/') {
            return "the request path must be absolute";
        }
        // Every request passes here: a path without '%' (nearly all of them) is its own decoded form
        // and is judged in one pass, without the copies that decoding makes.
        if (rawUri.indexOf('%') < 0) {
            return decodedRefusal(rawUri);
        }
        String lower = rawUri.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")) {
            return "encoded '/', '\\' or NUL in the request path";
        }
        String decoded = decode(rawUri);
        if (decoded == null) {
            return "malformed percent-encoding in the request path";
        }
        return decodedRefusal(decoded);
    }

    private static String decodedRefusal(String decoded) {
        if (decoded.indexOf('\\') >= 0 || decoded.indexOf('\0') >= 0) {
            return "'\\' or NUL in the request path";
        }
        if (hasDotSegment(decoded)) {
            return "dot segment in the request path";
        }
        return null;
    }

    /**
     * @return {@code true} if a {@code /}-separated segment of the path is {@code .} or {@code ..}, also
     *     with path parameters ({@code ..;x}): Tomcat drops those before it normalizes, so
     *     {@code /docs/..;/other} would reach another export
     */
    static boolean hasDotSegment(String path) {
        int start = 0;
        int length = path.length();
        while (start <= length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            int semicolon = path.indexOf(';', start);
            int n = (semicolon >= 0 && semicolon < end ? semicolon : end) - start;
            if ((n == 1 || n == 2) && path.charAt(start) == '.' && (n == 1 || path.charAt(start + 1) == '.')) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /**
     * The same checks on a WebDAV {@code Destination} header (an absolute URI or a path).
     *
     * @return why it is refused, or {@code null}
     */
    static String destinationRefusal(String destination) {
        String why = refusal(rawPathOf(destination));
        return why == null ? null : "Destination: " + why;
    }

    /** @return the raw path of an absolute URI, or the text itself: a path, or neither (Tomcat rejects it then) */
    private static String rawPathOf(String destination) {
        try {
            URI uri = new URI(destination);
            if (uri.getRawPath() != null && uri.isAbsolute()) {
                return uri.getRawPath();
            }
        } catch (URISyntaxException e) {
            // not a URI: judged as a path
        }
        return destination;
    }

    /**
     * The longest name, in bytes of UTF-8, that a Linux file system stores: {@code NAME_MAX} of the
     * kernel's VFS (ext4, xfs, btrfs, tmpfs all stop there). A longer name can never be created, so a
     * request that would create one is refused before the disk is asked.
     */
    static final int NAME_MAX_BYTES = 255;

    /**
     * @param rawPath a request path as sent (not decoded), or a {@code Destination} header; one that
     *     {@link #refusal} or {@link #destinationRefusal} accepted
     * @return why a name in it is longer than a file name may be, or {@code null}
     */
    static String nameTooLong(String rawPath) {
        String path = rawPathOf(rawPath);
        int start = 0;
        int length = path.length();
        while (start < length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            // a segment longer than the limit in characters is longer in bytes too; shorter ones need not be decoded
            if (end - start > NAME_MAX_BYTES / 3) {
                String segment = path.substring(start, end);
                int semicolon = segment.indexOf(';');
                // Tomcat drops path parameters; the name is what precedes them
                String decoded = decode(semicolon < 0 ? segment : segment.substring(0, semicolon));
                int bytes = decoded == null ? 0 : decoded.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > NAME_MAX_BYTES) {
                    String shown = decoded.length() > 40 ? decoded.substring(0, 40) + "..." : decoded;
                    return "the name '" + shown + "' is " + bytes + " bytes long (UTF-8); a file name on the volume "
                            + "may have at most " + NAME_MAX_BYTES + " bytes";
                }
            }
            start = end + 1;
        }
        return null;
    }

    /**
     * @param destination a WebDAV {@code Destination} header (an absolute URI or a path), or {@code null}
     * @return {@code true} if a segment of its decoded path names hasm's own file; path parameters do not
     *     hide one, since a segment with them begins as the name Tomcat keeps
     */
    static boolean destinationReserved(String destination) {
        if (destination == null) {
            return false;
        }
        String decoded = decode(rawPathOf(destination));
        return decoded != null && hasTempSegment(decoded);
    }

    /** @return {@code true} if a segment of the decoded path names hasm's own file (a write's temporary file, NFS state) */
    static boolean hasTempSegment(String path) {
        // asked on every request: a scan, not a split
        for (int at = path.indexOf(DurableWrite.RESERVED_PREFIX); at >= 0;
                at = path.indexOf(DurableWrite.RESERVED_PREFIX, at + 1)) {
            if (at == 0 || path.charAt(at - 1) == '/') {
                return true;
            }
        }
        return false;
    }

    /** Decodes %XX as UTF-8; {@code null} if an escape is malformed. */
    static String decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
