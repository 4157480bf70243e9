package org.hasm.storage.internal;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real shared folder with a switch that makes it refuse writes the way the kernel does: the
 * record writes and the probes fail with the error text of ENOSPC, EROFS or EIO while it is set.
 * Reads always work, as they do on a full or read-only file system.
 */
class FailingDisk implements StorageModule.Disk {
    static final String FULL = "No space left on device";
    static final String READ_ONLY = "Read-only file system";
    static final String IO = "Input/output error";

    private final StorageChecks real;
    // Set by the test, read by the store's threads.
    volatile String failure;
    // What usable() says while set (a file system that got its space back); the real value otherwise.
    volatile long usable = -1;
    volatile long total = 100L << 20;
    // How many record writes and probes were tried.
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger probes = new AtomicInteger();

    FailingDisk(Path shared, String scm) {
        this.real = new StorageChecks(shared.resolve("owners"), shared.resolve("volumes"), scm);
    }

    @Override
    public void write(Path file, OwnerRecord record, String writer) throws IOException {
        writes.incrementAndGet();
        fail(file);
        RecordFiles.write(file, record, writer);
    }

    @Override
    public void probe(String volume) throws IOException {
        probes.incrementAndGet();
        fail(Path.of(volume));
        real.probe(volume);
    }

    @Override
    public boolean readOnlyMount(String volume) throws IOException {
        return real.readOnlyMount(volume);
    }

    @Override
    public long usable(String volume) throws IOException {
        long u = usable;
        return u >= 0 ? u : real.usable(volume);
    }

    @Override
    public long total(String volume) {
        return total;
    }

    private void fail(Path file) throws IOException {
        String f = failure;
        if (f != null) {
            // what sun.nio.fs throws for a failed open or write: the reason is the errno's text
            throw new FileSystemException(file.toString(), null, f);
        }
    }

    /** @return the exception the switch stands for, as a service's write would get it */
    static IOException error(String failure) {
        return new FileSystemException("/shared/volumes/v/.hasm-put-x.tmp", null, failure);
    }
}
