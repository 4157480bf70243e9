package org.hasm.itests.campaign;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/** Faults of the shared storage: full, read-only for one SCM, an ownership record damaged. */
final class StorageFaults {

    private static final int CHUNK = 1 << 20;

    private StorageFaults() {
    }

    /**
     * Fills the file system of {@code shared} (a tmpfs the campaign mounted) with one file, until the
     * kernel answers ENOSPC. Undone by deleting the file.
     *
     * @param filler the file to write, on the shared storage but outside volumes and records
     */
    static Lab.Undo fill(Path filler, long capacityBytes) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        try (FileChannel out = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // bounded: a file system of capacityBytes takes no more chunks than that
            for (long written = 0; written <= capacityBytes + CHUNK; ) {
                chunk.clear();
                try {
                    written += out.write(chunk);
                } catch (IOException full) {
                    break; // ENOSPC: what this fault is for
                }
            }
        }
        return () -> Files.deleteIfExists(filler);
    }

    /**
     * Makes {@code shared} read-only for one process, and for nobody else: a read-only bind mount of
     * the folder on itself, made inside that process's own mount namespace. The read-only mount is
     * made on {@code stage} first, where nobody writes: remounting the folder itself read-only fails
     * whenever the SCM happens to have a file open for writing there. Undone by unmounting it; a
     * process that ended took its namespace, and the mount, with it.
     *
     * @param stage an empty folder outside the shared storage
     * @throws IOException if the process shares the test's mount namespace (the mount would then be
     *     everybody's), or a command fails
     */
    static Lab.Undo readOnly(long pid, Path shared, Path stage) throws IOException, InterruptedException {
        Path mine = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
        Path theirs = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "mnt"));
        if (mine.equals(theirs)) {
            throw new IOException("pid " + pid + " shares the test's mount namespace (" + mine + "): it was not started"
                    + " under unshare --mount, and a read-only mount would hit every process");
        }
        String target = Long.toString(pid);
        String folder = shared.toString();
        String staged = Files.createDirectories(stage).toString();
        Command.run(null, "nsenter", "-t", target, "-m", "mount", "--bind", folder, staged);
        try {
            Command.run(null, "nsenter", "-t", target, "-m", "mount", "-o", "remount,bind,ro", staged);
            // a bind mount keeps the read-only flag of the mount it copies
            Command.run(null, "nsenter", "-t", target, "-m", "mount", "--bind", staged, folder);
        } finally {
            unmount(target, staged);
        }
        return () -> {
            if (ProcessHandle.of(pid).isPresent()) {
                unmount(target, folder);
            }
        };
    }

    private static void unmount(String pid, String folder) throws IOException, InterruptedException {
        try {
            Command.run(null, "nsenter", "-t", pid, "-m", "umount", folder);
        } catch (IOException busy) {
            // a file still open on the read-only mount: detach it, the kernel frees it after
            Command.run(null, "nsenter", "-t", pid, "-m", "umount", "-l", folder);
        }
    }

    /**
     * Damages a volume's ownership record in place (not by the atomic rename the SCMs use), as a
     * storage that scrambles or loses blocks would: seven garbage bytes, the file truncated to
     * nothing, or one bit flipped. Nothing undoes it: repairing it is the pair's business.
     *
     * @param where picks the damaged spot
     */
    static void damage(Path record, String how, long where) throws IOException {
        long size = Files.size(record);
        SplittableRandom random = new SplittableRandom(where);
        try (FileChannel file = FileChannel.open(record, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            switch (how) {
                case "empty" -> file.truncate(0);
                case "garbage" -> {
                    byte[] garbage = new byte[7];
                    random.nextBytes(garbage);
                    file.write(ByteBuffer.wrap(garbage), random.nextLong(0, Math.max(1, size - garbage.length)));
                }
                case "flip" -> {
                    long at = random.nextLong(0, Math.max(1, size));
                    ByteBuffer one = ByteBuffer.allocate(1);
                    file.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ (1 << random.nextInt(8))));
                    one.rewind();
                    file.write(one, at);
                }
                default -> throw new IllegalArgumentException("no record damage '" + how + "'");
            }
            file.force(true);
        }
    }
}
