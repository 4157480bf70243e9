package org.hasm.controller.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where the shared storage's folder is, for the rolling upgrade (its plan and staged jars live there): as the
 * storage module says it now ({@code VolumeManager.sharedFolder()}), else as it last said it. That last answer is
 * also kept in this SCM's data folder ({@code controller/shared-folder}), so that a process restarted while the
 * storage module is away (an upgrade that replaced the storage bundle with one that does not start, then a
 * reboot) still finds the plan and the old jar it must go back to. Any thread.
 */
final class SharedFolder {
    static final String RECORD = "controller/shared-folder";

    private final Path record;
    private final Consumer<String> warn;
    private volatile Path last;

    /** Reads what an earlier process kept, if anything. */
    SharedFolder(Path dataDir, Consumer<String> warn) {
        this.record = dataDir.resolve(RECORD);
        this.warn = warn;
        this.last = read();
    }

    /**
     * @param now the folder the storage module names now, {@code null} while it is away
     * @return {@code now}, or the last folder it named (in this process or an earlier one), or {@code null}
     */
    Path current(Path now) {
        if (now == null) {
            return last;
        }
        if (!now.equals(last)) {
            last = now;
            keep(now);
        }
        return now;
    }

    private Path read() {
        String text;
        try {
            text = Files.readString(record, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            warn.accept("the shared folder last named by the storage module cannot be read from " + record + ": "
                    + e.getMessage());
            return null;
        }
        try {
            Path p = Path.of(text);
            if (!text.isEmpty() && p.isAbsolute() && text.indexOf('\n') < 0) {
                return p;
            }
        } catch (InvalidPathException e) {
            // said below
        }
        warn.accept(record + " does not hold an absolute folder (" + text.length() + " characters): ignored");
        return null;
    }

    private synchronized void keep(Path folder) {
        try {
            Upgrader.writeFile(record, (folder + "\n").getBytes(StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            warn.accept("the shared folder " + folder + " is not kept in " + record + ": " + e.getMessage()
                    + "; a restart while the storage module is away will not find the upgrade's plan");
        }
    }
}
