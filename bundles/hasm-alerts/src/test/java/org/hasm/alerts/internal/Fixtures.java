package org.hasm.alerts.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** What the tests share: alerts, scripts, and whether a process is gone. */
final class Fixtures {
    static final Instant TIME = Instant.parse("2026-11-25T10:15:30Z");

    private Fixtures() {
    }

    static Alert alert(long sequence) {
        return alert(sequence, Map.of("scm", "scm-b", "state", "DEGRADED", "opMode", "MASTER"));
    }

    static Alert alert(long sequence, Map<String, ?> properties) {
        return new Alert("state", "org/hasm/controller/STATE", "scm-b", 7, sequence, TIME,
                "scm-b: DEGRADED, serving a and b (lost on all channels)", Alert.plain(properties));
    }

    static Alert withProperties(Map<String, Object> properties) {
        return new Alert("state", "org/hasm/controller/STATE", "scm-b", 7, 1, TIME, "d", new TreeMap<>(properties));
    }

    /** Writes an executable {@code #!/bin/sh} script. */
    static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    /**
     * @return whether the process is gone: not there, or a zombie (killed, not yet reaped by whatever adopted
     *     it: a container's first process may never reap)
     */
    static boolean gone(long pid) {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                String s = Files.readString(stat);
                // "pid (comm) S ...": the state follows the last ')'
                char state = s.substring(s.lastIndexOf(')') + 2).charAt(0);
                return state == 'Z' || state == 'X';
            } catch (IOException e) {
                return true;
            }
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        return h.isEmpty() || !h.get().isAlive();
    }

    static long readPid(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).strip());
    }
}
