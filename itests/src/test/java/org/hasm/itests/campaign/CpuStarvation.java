package org.hasm.itests.campaign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hasm.itests.support.Await;

/**
 * One SCM's process held to a share of one CPU by a cgroup (v1 cpu controller) of the fault's own:
 * every thread of the JVM moves in, those it starts later are born there. Undone by moving the
 * process back to the group it came from and removing the group.
 */
final class CpuStarvation {

    static final Path ROOT = Path.of("/sys/fs/cgroup/cpu");
    private static final long PERIOD_US = 100_000;

    private CpuStarvation() {
    }

    /**
     * @param group a name no other cgroup has
     * @param percent of one CPU the process may use
     */
    static Lab.Undo apply(long pid, String group, long percent) throws IOException {
        String from = cpuGroupOf(pid);
        Path dir = ROOT.resolve(group);
        Files.createDirectory(dir);
        try {
            write(dir.resolve("cpu.cfs_period_us"), PERIOD_US);
            write(dir.resolve("cpu.cfs_quota_us"), PERIOD_US * percent / 100);
            write(dir.resolve("cgroup.procs"), pid);
        } catch (IOException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
        return () -> {
            if (ProcessHandle.of(pid).isPresent()) {
                try {
                    write(ROOT.resolve(from.substring(1)).resolve("cgroup.procs"), pid);
                } catch (IOException e) {
                    // gone meanwhile (fenced, killed): the group empties by itself
                }
            }
            // a group is removable once its last task left it; an exiting JVM takes a moment
            String[] last = {""};
            Await.until("cgroup " + dir + " removed", Duration.ofSeconds(10), () -> {
                try {
                    Files.deleteIfExists(dir);
                    return true;
                } catch (IOException e) {
                    last[0] = e.toString();
                    return false;
                }
            }, () -> last[0]);
        };
    }

    /** @return the process's group under the cpu controller, e.g. {@code /}, from {@code /proc/PID/cgroup} */
    static String cpuGroupOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("cpu")) {
                return f[2];
            }
        }
        throw new IOException("pid " + pid + " is in no group of a cgroup v1 cpu controller: " + Files.readString(
                Path.of("/proc", Long.toString(pid), "cgroup")));
    }

    private static void write(Path file, long value) throws IOException {
        Files.writeString(file, Long.toString(value), StandardCharsets.US_ASCII);
    }
}
