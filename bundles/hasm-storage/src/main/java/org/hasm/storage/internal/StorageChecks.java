package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The checks of {@link Writability} on the real shared storage. The probe file is written where the
 * volume's record lives, under the name of a record's temporary file ({@code .<volume>.<scm>.<pid>-<n>.tmp}),
 * so that it is never read as a record and a probe cut short by a crash is removed with the other
 * leftovers at the next acquisition; it never lands inside a volume, where clients would see it.
 */
final class StorageChecks implements Writability.Checks {
    private final Path owners;
    private final Path volumes;
    private final String self;

    StorageChecks(Path owners, Path volumes, String self) {
        this.owners = owners;
        this.volumes = volumes;
        this.self = self;
    }

    @Override
    public void probe(String volume) throws IOException {
        Path probe = RecordFiles.temporary(owners.resolve(volume), self);
        try {
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                ch.force(true);
            }
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    @Override
    public boolean readOnlyMount(String volume) throws IOException {
        return store(volume).isReadOnly();
    }

    @Override
    public long usable(String volume) throws IOException {
        return store(volume).getUsableSpace();
    }

    @Override
    public long total(String volume) throws IOException {
        return store(volume).getTotalSpace();
    }

    /** The file system of the volume's folder (a volume may be a mount of its own), else of {@code volumes/}. */
    private FileStore store(String volume) throws IOException {
        Path folder = volumes.resolve(volume);
        return Files.getFileStore(Files.isDirectory(folder) ? folder : volumes);
    }
}
