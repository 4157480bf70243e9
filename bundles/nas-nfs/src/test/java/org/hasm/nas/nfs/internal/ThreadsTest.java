package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The service's threads are its own: named, daemons, and gone once the server is destroyed. */
class ThreadsTest {

    private static Set<Thread> threads() {
        return Thread.getAllStackTraces().keySet();
    }

    private static List<String> foreign(Set<Thread> before) {
        return threads().stream().filter(Thread::isAlive).filter(t -> !before.contains(t))
                .filter(t -> !t.getName().startsWith("hasm-") && !t.getName().startsWith("ForkJoinPool")
                        && !t.getName().startsWith("Attach") && !t.getName().startsWith("process reaper"))
                .map(t -> t.getName() + (t.isDaemon() ? "" : " (not a daemon)")).collect(Collectors.toList());
    }

    @Test
    void namedDaemonsThatEndWithTheServer() throws Exception {
        Set<Thread> before = threads();
        try (TestServer server = new TestServer(); NfsClient nfs = server.client()) {
            byte[] root = nfs.mount("/data");
            nfs.create(root, "x");
            assertEquals(List.of(), foreign(before), "threads without a hasm name");
            List<String> notDaemons = threads().stream().filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
                    .map(Thread::getName).collect(Collectors.toList());
            assertEquals(List.of(), notDaemons, "threads that would keep a JVM alive");
            assertFalse(threads().stream().noneMatch(t -> t.getName().startsWith("hasm-nfs-A-")), "workers are named");
        }
        Fixture.await("every thread of the server to end", Duration.ofSeconds(10),
                () -> threads().stream().noneMatch(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("hasm-nfs")));
    }
}
