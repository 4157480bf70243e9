package org.hasm.itests.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, an OS tool). On CI ({@code CI=true}) the machine is
 * prepared by {@code .ci/run}, so a missing tool is a broken CI setup and fails the test; on a
 * developer's machine the test is skipped with a message that says what to install.
 */
public final class Requirements {

    private Requirements() {
    }

    /** @param message what is missing and how to get it */
    public static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail("CI=true but " + message);
        }
        Assumptions.abort(message);
    }

    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    // real, effective, saved, fs: the effective one decides
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 && ids[1].equals("0");
                }
            }
        } catch (IOException e) {
            // not Linux: not root in the sense these tests need
        }
        return false;
    }

    /** @return the executable {@code name} on PATH or in the sbin folders root's PATH has, or null */
    public static Path tool(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
