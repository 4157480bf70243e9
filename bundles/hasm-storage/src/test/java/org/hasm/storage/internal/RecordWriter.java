package org.hasm.storage.internal;

import java.nio.file.Path;

/**
 * A child process that rewrites one ownership record as fast as it can, raising the epoch each
 * time, so that a test can kill it at arbitrary instants. Ends by itself after a minute.
 */
public final class RecordWriter {
    private RecordWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path owners = Path.of(args[0]);
        String volume = args[1];
        String scm = args[2];
        long end = System.nanoTime() + 60_000_000_000L;
        Path record = owners.resolve(volume);
        long epoch = RecordFiles.read(record, volume).epoch();
        while (System.nanoTime() - end < 0) {
            epoch++;
            RecordFiles.write(record, new OwnerRecord(volume, scm, epoch, 1, "t"), scm);
        }
    }
}
