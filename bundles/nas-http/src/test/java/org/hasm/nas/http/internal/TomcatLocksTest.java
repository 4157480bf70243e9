package org.hasm.nas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.catalina.servlets.WebdavServlet;
import org.junit.jupiter.api.Test;

/**
 * The lock table of Tomcat's WebDAV servlet is read and put back field by field: this fails when a
 * Tomcat upgrade changes those private fields, before a takeover would lose the locks.
 */
class TomcatLocksTest {
    private static final long LATER = System.currentTimeMillis() + 3_600_000;

    @Test
    void exclusiveAndSharedLocksGoOutAndBackWhole() {
        WebdavServlet servlet = new WebdavServlet();
        assertEquals(Map.of(), TomcatLocks.snapshot(servlet));
        List<TomcatLocks.Lock> locks = List.of(
                new TomcatLocks.Lock("/a.txt", "/files/a.txt", "write", "exclusive", 0, "<D:owner>me</D:owner>",
                        "0f0e-1", LATER, null),
                new TomcatLocks.Lock("/dir", "/files/dir", "write", "shared", 3, "one", "0f0e-2", LATER, "alice"),
                new TomcatLocks.Lock("/dir", "/files/dir", "write", "shared", 3, "two", "0f0e-3", LATER, null));
        TomcatLocks.replace(servlet, locks);
        Map<String, TomcatLocks.Lock> back = TomcatLocks.snapshot(servlet);
        assertEquals(3, back.size(), "the shared locks' container is not a lock: " + back);
        for (TomcatLocks.Lock l : locks) {
            assertEquals(l, back.get(l.token()));
        }
        assertEquals(3, TomcatLocks.live(servlet, System.currentTimeMillis()), "max.locks counts each of them");
        assertEquals(0, TomcatLocks.live(servlet, LATER + 1), "but not once they expired");
        TomcatLocks.replace(servlet, List.of(locks.get(1)));
        assertEquals(Map.of("0f0e-2", locks.get(1)), TomcatLocks.snapshot(servlet), "replaced, not added to");
    }

    @Test
    void aStoredLockReadsBackAsItWasAndExpiredOnesAreLeftOut() throws IOException {
        TomcatLocks.Lock l = new TomcatLocks.Lock("/a b.txt", "/files/a%20b.txt", "write", "exclusive", 0, null, "t-1",
                LATER, "p");
        assertEquals(l, DavLocks.decode(DavLocks.encode(l)));
        TomcatLocks.Lock old = new TomcatLocks.Lock("/x", "/files/x", "write", "exclusive", 0, "", "t-2", 1, null);
        List<TomcatLocks.Lock> live = TomcatLocks.unexpired(List.of(l, old), System.currentTimeMillis());
        assertEquals(List.of(l), live);
        assertTrue(old.expired(System.currentTimeMillis()));
    }
}
