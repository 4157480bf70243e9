package org.hasm.nas.nfs.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A rename that never replaces what is at its target: {@code renameat2(2)} with {@code RENAME_NOREPLACE}, through
 * the C library (JNA). Java has no such move: checking the name and then renaming leaves an instant in which a
 * name made by another client (over NFS, HTTP or SMB) is replaced, an empty folder silently. Where it is not to
 * be had (no JNA in the framework, a C library or kernel without it, a file system that refuses the flag),
 * {@link #move} says so and the caller checks, then renames.
 */
final class NoReplace {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_NOREPLACE = 1;
    private static final int ENOENT = 2;
    private static final int EEXIST = 17;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;

    /** The C library's calls this needs. */
    public interface LibC extends Library {
        int renameat2(int oldDir, String oldPath, int newDir, String newPath, int flags) throws LastErrorException;

        String strerror(int errno);
    }

    private static final LibC LIBC = load();
    private static volatile boolean unsupported = LIBC == null;

    private NoReplace() {
    }

    /** @return whether {@link #move} may rename without replacing here (a file system may still refuse the flag) */
    static boolean available() {
        return !unsupported;
    }

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            return null; // no JNA here, or no C library it can load: the caller falls back
        }
    }

    /**
     * Renames {@code from} to {@code to} unless {@code to} exists (as anything, a dangling link included).
     *
     * @return {@code false} if this system cannot rename so (nothing was done: the caller checks, then renames)
     * @throws FileAlreadyExistsException if {@code to} exists; nothing was moved
     */
    static boolean move(Path from, Path to) throws IOException {
        if (unsupported) {
            return false;
        }
        try {
            LIBC.renameat2(AT_FDCWD, from.toString(), AT_FDCWD, to.toString(), RENAME_NOREPLACE);
            return true;
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == EEXIST) {
                throw new FileAlreadyExistsException(to.toString());
            }
            if (errno == EINVAL || errno == ENOSYS) {
                // the file system (or kernel) does not take the flag; EINVAL is also a folder moved into itself,
                // which a staged name never is
                return false;
            }
            if (errno == ENOENT) {
                throw new NoSuchFileException(from.toString(), to.toString(), null);
            }
            throw new FileSystemException(from.toString(), to.toString(), message(errno));
        } catch (UnsatisfiedLinkError e) {
            unsupported = true; // a C library older than renameat2 (glibc 2.28)
            return false;
        }
    }

    private static String message(int errno) {
        try {
            return LIBC.strerror(errno);
        } catch (RuntimeException | LinkageError e) {
            return "errno " + errno;
        }
    }
}
