package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestPathsTest {
    private static final List<String> PATHS = List.of("/", "/docs", "/docs/", "/docs/a.txt", "/docs/.", "/docs/..",
            "/docs/./a", "/docs/../a", "/./docs", "/../docs", "/.", "/..", "/docs/.hidden", "/docs/..x", "/docs/x..",
            "/docs/...", "/docs/a./b", "/docs//..", "//", "/docs/a\\b", "/docs/a\0b", "/docs/%2e%2e/a", "/docs/%2fa",
            "/docs/%zz", "/docs/caf\u00e9", "/docs/" + DurableWrite.TEMP_PREFIX + "1.tmp", "/docs/..;/other",
            "/docs/.;x/a", "/docs/..;", "/docs/a;b/..;c=d", "/docs/x;/..y;", "/docs/...;", "/docs/;../a", "/docs/a.;b");

    @Test
    void dotSegmentsAreFoundWhereverTheyAre() {
        for (String p : PATHS) {
            boolean expected = false;
            for (String segment : p.split("/", -1)) {
                // Tomcat drops a segment's parameters (";...") before it resolves dot segments
                String name = segment.split(";", -1)[0];
                expected |= name.equals(".") || name.equals("..");
            }
            assertEquals(expected, RequestPaths.hasDotSegment(p), p);
        }
    }

    @Test
    void aPathWithoutEscapesIsJudgedAsItsDecodedForm() {
        for (String p : PATHS) {
            if (p.indexOf('%') >= 0) {
                continue;
            }
            // the same path with a harmless escaped segment ("a") takes the decoding route; both must agree
            String escaped = p + "/%61";
            assertEquals(RequestPaths.refusal(p) == null, RequestPaths.refusal(escaped) == null, p + " vs " + escaped);
        }
        assertNull(RequestPaths.refusal("/docs/a.txt"));
        assertNotNull(RequestPaths.refusal("/docs/../a.txt"));
        assertNotNull(RequestPaths.refusal("/docs/%2E%2e/a.txt"));
        assertNotNull(RequestPaths.refusal("/docs/a\\b"));
        assertNotNull(RequestPaths.refusal("docs/a"));
    }

    @Test
    void dotSegmentsWithPathParametersAreRefused() {
        // Tomcat maps /docs/..;/other/a.txt to /other/a.txt: another export, reached past this check
        for (String p : List.of("/docs/..;/other/a.txt", "/docs/..;x=1/other", "/docs/.;/a.txt", "/docs/%2e%2e;/other",
                "/docs/a/..;jsessionid=1")) {
            assertNotNull(RequestPaths.refusal(p), p);
            assertNotNull(RequestPaths.destinationRefusal("http://h:1" + p), "Destination " + p);
        }
        assertNull(RequestPaths.refusal("/docs/a;b.txt"));
        assertNull(RequestPaths.refusal("/docs/..a;b"));
    }

    @Test
    void temporaryNamesAreFoundOnlyAtTheStartOfASegment() {
        String temp = DurableWrite.TEMP_PREFIX + "x.tmp";
        assertTrue(RequestPaths.hasTempSegment("/" + temp));
        assertTrue(RequestPaths.hasTempSegment(temp));
        assertTrue(RequestPaths.hasTempSegment("/a/" + temp + "/b"));
        assertTrue(RequestPaths.hasTempSegment("/a/x" + temp + "/" + temp));
        assertFalse(RequestPaths.hasTempSegment("/a/x" + temp));
        assertFalse(RequestPaths.hasTempSegment("/a/b.txt"));
    }

    @Test
    void theNfsServicesStateOnTheVolumeIsHasmsOwnToo() {
        // file ids and the duplicate request cache of the NFS service, at the volume's root
        assertTrue(RequestPaths.hasTempSegment("/.hasm-nfs"));
        assertTrue(RequestPaths.hasTempSegment("/.hasm-nfs/drc.log"));
        assertTrue(ExportResources.isTemp(".hasm-nfs"));
        assertFalse(ExportResources.isTemp(".hasmnfs"));
    }

    @Test
    void aNameIsTooLongBeyond255BytesOfUtf8WhateverItsSpelling() {
        assertNull(RequestPaths.nameTooLong("/docs/" + "a".repeat(255)));
        assertNotNull(RequestPaths.nameTooLong("/docs/" + "a".repeat(256)));
        assertNotNull(RequestPaths.nameTooLong("/" + "a".repeat(256) + "/docs/b"), "a folder's name too");
        // path parameters are not part of the name
        assertNull(RequestPaths.nameTooLong("/docs/" + "a".repeat(255) + ";p=" + "1".repeat(100)));
        // escapes count as the bytes they stand for
        assertNull(RequestPaths.nameTooLong("/docs/" + "%61".repeat(255)));
        assertNull(RequestPaths.nameTooLong("/docs/" + "%C3%A9".repeat(127)));
        assertNotNull(RequestPaths.nameTooLong("/docs/" + "%C3%A9".repeat(128)));
        assertNotNull(RequestPaths.nameTooLong("/docs/" + "%F0%9F%98%80".repeat(64)));
        // a Destination header is an absolute URI; its authority is not a name
        assertNull(RequestPaths.nameTooLong("http://" + "h".repeat(300) + ":80/docs/a"));
        String why = RequestPaths.nameTooLong("http://h:80/docs/" + "b".repeat(300));
        assertNotNull(why);
        assertTrue(why.contains("300 bytes") && why.contains("at most 255 bytes"), why);
        assertNull(RequestPaths.nameTooLong("/"));
        assertNull(RequestPaths.nameTooLong("//docs//"));
    }
}
