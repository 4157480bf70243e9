package org.hasm.nas.nfs.internal;

import org.hasm.nas.nfs.internal.NfsProgram.Failure;

/**
 * POSIX permission checks of a caller (its AUTH_SYS uid, gid and supplementary gids, after root
 * squash) against a file's mode bits, as a kernel NFS server makes them: the server itself runs as
 * the SCM's user and could touch every file, so these checks are all that keeps one user from
 * another's files. The owner's bits apply to the owner, the group's to a member of the file's group
 * (primary or supplementary), the others' to everyone else; an unsquashed root passes every read and
 * write check, and an execute check when any execute bit is set (or on a folder).
 */
final class Permissions {
    static final int READ = 4;
    static final int WRITE = 2;
    static final int EXEC = 1;

    private static final int STICKY = 01000;
    private static final int SETGID = 02000;

    private Permissions() {
    }

    /**
     * @param caller who asks; {@code null} only for a call whose handle named no export, which fails
     *     before it reaches a file
     * @return whether {@code want} (a combination of {@link #READ}, {@link #WRITE}, {@link #EXEC}) is granted
     */
    static boolean allows(ExportAccess.Caller caller, Attrs file, int want) {
        if (caller == null) {
            return true;
        }
        int mode = file.mode();
        if (caller.root()) {
            return (want & EXEC) == 0 || file.directory() || (mode & 0111) != 0;
        }
        int bits;
        if (caller.uid() == file.uid()) {
            bits = mode >> 6;
        } else if (caller.inGroup(file.gid())) {
            bits = mode >> 3;
        } else {
            bits = mode;
        }
        return (bits & want) == want;
    }

    /** @throws Failure ACCES naming what was refused, unless {@code want} is granted */
    static void require(ExportAccess.Caller caller, Attrs file, int want, String what) throws Failure {
        if (!allows(caller, file, want)) {
            throw new Failure(Nfs3.ERR_ACCES, what + ": permission denied for uid " + caller.uid());
        }
    }

    /** @return whether the caller owns the file, or is an unsquashed root */
    static boolean ownsOrRoot(ExportAccess.Caller caller, Attrs file) {
        return caller == null || caller.root() || caller.uid() == file.uid();
    }

    /**
     * The owner of a file may WRITE and COMMIT it whatever its mode says, as with kernel nfsd: the
     * client checked the mode when its application opened the file, which may have been made read-only
     * since (a {@code cp} of a read-only file creates it read-only, then writes it).
     */
    static void requireWrite(ExportAccess.Caller caller, Attrs file, String what) throws Failure {
        if (!ownsOrRoot(caller, file)) {
            require(caller, file, WRITE, what);
        }
    }

    /**
     * Changing a folder's entries (create, remove, rename, link) needs write and search permission
     * on the folder.
     */
    static void requireChange(ExportAccess.Caller caller, Attrs folder, String what) throws Failure {
        require(caller, folder, WRITE | EXEC, what);
    }

    /**
     * In a folder with the sticky bit (like {@code /tmp}) only the owner of an entry, the owner of the
     * folder or root may remove or rename the entry away.
     */
    static void requireUnstuck(ExportAccess.Caller caller, Attrs folder, Attrs entry, String what) throws Failure {
        if ((folder.mode() & STICKY) != 0 && !ownsOrRoot(caller, entry) && !ownsOrRoot(caller, folder)) {
            throw new Failure(Nfs3.ERR_ACCES, what + ": the folder is sticky and uid " + caller.uid()
                    + " owns neither it nor the entry");
        }
    }

    /**
     * READ is granted with read permission, or with execute permission alone (a client reads a
     * program to run it), as kernel nfsd does.
     */
    static void requireRead(ExportAccess.Caller caller, Attrs file, String what) throws Failure {
        if (!allows(caller, file, READ) && !(file.type() == Nfs3.NF3REG && allows(caller, file, EXEC))) {
            require(caller, file, READ, what);
        }
    }

    /**
     * The mode a SETATTR by a non-root caller really sets: a set-group-id bit on a file of a group the
     * caller is not in is dropped, as chmod(2) drops it.
     */
    static int settableMode(ExportAccess.Caller caller, Attrs file, int mode) {
        if (caller != null && !caller.root() && !file.directory() && !caller.inGroup(file.gid())) {
            return mode & ~SETGID;
        }
        return mode;
    }

    /**
     * The ACCESS procedure's answer: of the rights asked for, those the caller really has on the file
     * (and on a read-only export, none that would change it).
     */
    static int granted(ExportAccess.Caller caller, Attrs file, int asked, boolean readOnly) {
        int granted = 0;
        if (allows(caller, file, READ)) {
            granted |= Nfs3.ACCESS_READ;
        }
        if (allows(caller, file, WRITE)) {
            granted |= Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_EXTEND;
        }
        if (file.directory()) {
            if (allows(caller, file, EXEC)) {
                granted |= Nfs3.ACCESS_LOOKUP;
            }
            if (allows(caller, file, WRITE | EXEC)) {
                granted |= Nfs3.ACCESS_DELETE;
            }
            granted &= ~Nfs3.ACCESS_EXECUTE;
        } else if (allows(caller, file, EXEC)) {
            granted |= Nfs3.ACCESS_EXECUTE;
        }
        if (readOnly) {
            granted &= ~(Nfs3.ACCESS_MODIFY | Nfs3.ACCESS_EXTEND | Nfs3.ACCESS_DELETE);
        }
        return granted & asked;
    }
}
