package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.hasm.nas.nfs.internal.NfsProgram.Drop;
import org.hasm.nas.nfs.internal.NfsProgram.Failure;
import org.hasm.nas.nfs.internal.NfsProgram.Target;

/**
 * The NFSv3 procedures that change a folder (CREATE, MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR, RENAME,
 * LINK): each proves the volume is still this SCM's ({@link NfsProgram#fence}) before it acts, forces
 * what it made (a new file's or folder's inode, see {@link #hold}) and then the folder afterwards, and keeps
 * the file ids' index true. Their replies go through the duplicate
 * request cache (see {@link NfsProgram}).
 */
final class Namespace {
    private final NfsProgram program;

    Namespace(NfsProgram program) {
        this.program = program;
    }

    /** What the procedures that make a name return: the new handle, its attributes, the folder's wcc. */
    Xdr3.Body made(Target dir, Attrs before, Path file) throws Failure {
        syncFolder(dir);
        byte[] fh;
        try {
            fh = program.handleOf(dir.export(), file, dir.id());
        } catch (IOException e) {
            throw new Failure(NfsErrors.status(e), e.getMessage());
        }
        Attrs fa = Attrs.orNull(file);
        Attrs after = Attrs.orNull(dir.file());
        return out -> {
            out.xdrEncodeBoolean(true);
            out.xdrEncodeDynamicOpaque(fh);
            Attrs.post(out, fa, dir.fsid());
            Attrs.wcc(out, before, after, dir.fsid());
        };
    }

    /**
     * A new name for a file or folder being made: in the volume's staging folder
     * ({@value #STAGING} under {@value FileIds#META}, which no export reaches, on the same file system as
     * the exports), where it gets its owner and mode before it is linked or renamed into place, so that it
     * never appears owned by this server's user. A crash between the two steps left the name owned by
     * root, and a squashed client that retransmitted its CREATE to the next owner was refused every WRITE
     * (ACCES). The folder is made, and what a crash left there removed, when the volume's state is read.
     */
    static Path staged(Target dir) {
        return dir.export().volume.staging().resolve(Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1)
                + "." + Long.toHexString(System.nanoTime()));
    }

    /** The staging folder's name, under {@value FileIds#META}. */
    static final String STAGING = "staging";

    /**
     * Puts a staged file in place under its name, never over another: a hard link, then the staged name
     * removed (both names are one inode meanwhile, so a handle made from either is the same).
     *
     * @throws FileAlreadyExistsException if the name is taken
     */
    private static void link(Path staged, Path file) throws IOException {
        try {
            Files.createLink(file, staged);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /**
     * Puts a staged folder or symbolic link in place under its name, refusing a name that is taken: in one step
     * where the system has it ({@link NoReplace}); elsewhere the name is checked and then renamed over, and a
     * name made by another client in between (an empty folder) would be replaced.
     */
    private static void rename(Path staged, Path file) throws IOException {
        try {
            if (!NoReplace.move(staged, file)) {
                if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(file.toString());
                }
                Files.move(staged, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(staged); // left only when the name was taken: an empty folder, or a link itself
        }
    }

    /**
     * A descriptor on a file or folder just made in the staging folder (where no client reaches, so it is the
     * one this request made), kept while it gets its owner, id and attributes and its name: forced through it
     * once all that is done, the inode is on the disk before the folder's force makes the name that leads to
     * it durable. A folder's force alone writes the folder: on ext2, or ext4 without a journal, the new
     * inode (owner, mode, id) stayed in memory until the next writeback, and a power cut meanwhile left a
     * name that CREATE or MKDIR had answered leading to nothing (RFC 1813 §1.6 counts both among the
     * procedures that are done on stable storage before they answer).
     */
    private static FileChannel hold(Path staged) throws IOException {
        return FileChannel.open(staged, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Makes an empty file, or a folder, under the staged name, owned by the caller and with its file id, and
     * holds it ({@link #hold}); the caller gives it its name and forces it through what this returns.
     */
    private static FileChannel stage(Target dir, Path staged, boolean folder, ExportAccess.Caller caller)
            throws IOException {
        if (folder) {
            Files.createDirectory(staged);
        } else {
            Files.createFile(staged);
        }
        FileChannel held;
        try {
            held = hold(staged);
        } catch (IOException | RuntimeException e) {
            discard(staged);
            throw e;
        }
        try {
            NfsProgram.own(staged, caller);
            dir.export().volume.ids.assign(staged);
            return held;
        } catch (IOException | RuntimeException e) {
            held.close();
            discard(staged);
            throw e;
        }
    }

    /**
     * Deletes what a request that failed left under its staged name (after a success nothing is there): the
     * staging folder is emptied only when the volume changes hands, and a request refused there every time
     * (a MKDIR with a size) would fill it.
     */
    private static void discard(Path staged) {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException e) {
            // left for the next ownership's emptying of the staging folder
        }
    }

    void syncFolder(Target dir) throws Failure {
        try (FileChannel ch = FileChannel.open(dir.file(), StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
    }

    Xdr3.Body create(Xdr3.CreateArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target dir = program.writable(a.dir);
        Path file = NfsProgram.child(dir, a.name, true);
        Attrs before = NfsProgram.attrs(dir);
        Permissions.requireChange(caller, before, "create in a folder");
        program.fence(dir);
        try {
            if (a.mode == Nfs3.EXCLUSIVE) {
                FileTime stamp = FileTime.from(Instant.ofEpochSecond(
                        ByteBuffer.wrap(a.verifier).getInt() & 0xffffffffL, ByteBuffer.wrap(a.verifier, 4, 4).getInt() & 0x3fffffff));
                Path staged = staged(dir);
                try (FileChannel made = stage(dir, staged, false, caller)) {
                    Files.getFileAttributeView(staged, java.nio.file.attribute.BasicFileAttributeView.class)
                            .setTimes(stamp, stamp, null);
                    link(staged, file);
                    made.force(true);
                } catch (FileAlreadyExistsException e) {
                    // the same EXCLUSIVE create again (its reply was lost): the stamp tells
                    if (!stamp.equals(Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS))) {
                        throw e;
                    }
                } finally {
                    discard(staged);
                }
            } else {
                FileChannel made = null; // the file this CREATE made, not one UNCHECKED found there
                try {
                    try {
                        if (!NfsProgram.mayGive(caller, a.attributes)) {
                            throw new FileSystemException(file.toString(), null, "Operation not permitted");
                        }
                        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                            throw new FileAlreadyExistsException(file.toString());
                        }
                        Path staged = staged(dir);
                        made = stage(dir, staged, false, caller);
                        link(staged, file);
                    } catch (FileAlreadyExistsException e) {
                        if (a.mode == Nfs3.GUARDED) {
                            throw e;
                        }
                        if (made != null) {
                            made.close(); // the name was taken meanwhile: UNCHECKED goes on with that file
                            made = null;
                        }
                    }
                    Attrs current = Attrs.of(file);
                    if (current.directory()) {
                        throw new FileSystemException(file.toString(), null, "Is a directory");
                    }
                    if (a.attributes.size != null) {
                        // UNCHECKED over a file that is there truncates it: only who may write it
                        Permissions.requireWrite(caller, current, "truncate");
                    }
                    if (!NfsProgram.mayChown(caller, a.attributes, current)) {
                        throw new FileSystemException(file.toString(), null, "Operation not permitted");
                    }
                    NfsProgram.apply(file, a.attributes, current);
                    if (made != null) {
                        made.force(true); // with the mode and size the client asked for
                    } else {
                        // UNCHECKED over a file that was there: what it changed (a truncation) is durable too
                        NfsProgram.forceChanged(file, current);
                    }
                } finally {
                    if (made != null) {
                        made.close();
                    }
                }
            }
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
        return made(dir, before, file);
    }

    Xdr3.Body mkdir(Xdr3.MkdirArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target dir = program.writable(a.dir);
        Path file = NfsProgram.child(dir, a.name, true);
        Attrs before = NfsProgram.attrs(dir);
        Permissions.requireChange(caller, before, "make a folder in a folder");
        program.fence(dir);
        try {
            if (!NfsProgram.mayGive(caller, a.attributes)) {
                throw new FileSystemException(file.toString(), null, "Operation not permitted");
            }
            Path staged = staged(dir);
            try (FileChannel made = stage(dir, staged, true, caller)) {
                NfsProgram.apply(staged, a.attributes, Attrs.of(staged));
                rename(staged, file);
                made.force(true);
            } finally {
                discard(staged);
            }
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
        return made(dir, before, file);
    }

    Xdr3.Body symlink(Xdr3.SymlinkArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target dir = program.writable(a.dir);
        Path file = NfsProgram.child(dir, a.name, true);
        Attrs before = NfsProgram.attrs(dir);
        String target = new String(a.target, StandardCharsets.UTF_8);
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new Failure(Nfs3.ERR_INVAL, "symlink target empty or with NUL");
        }
        Permissions.requireChange(caller, before, "make a symbolic link in a folder");
        program.fence(dir);
        try {
            // stored as given: the client resolves it; this server never follows a link. Its inode is not
            // forced: Java opens no descriptor on a link itself (a journaled file system commits it with the
            // folder; ext2, or ext4 without a journal, may lose a link made just before a power cut)
            Path staged = staged(dir);
            try {
                Files.createSymbolicLink(staged, file.getFileSystem().getPath(target));
                NfsProgram.own(staged, caller);
                rename(staged, file);
            } finally {
                discard(staged);
            }
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
        return made(dir, before, file);
    }

    Xdr3.Body mknod(Xdr3.MknodArgs a, ExportAccess.Caller caller) throws Failure {
        Target dir = program.writable(a.dir);
        NfsProgram.child(dir, a.name, true);
        Permissions.requireChange(caller, NfsProgram.attrs(dir), "make a node in a folder");
        if (a.type == Nfs3.NF3REG || a.type == Nfs3.NF3DIR || a.type == Nfs3.NF3LNK) {
            throw new Failure(Nfs3.ERR_BADTYPE, "MKNOD of type " + a.type);
        }
        // device files, FIFOs and sockets have no place on a NAS export (and Java cannot make them)
        throw new Failure(Nfs3.ERR_NOTSUPP, "MKNOD of special files");
    }

    Xdr3.Body remove(Xdr3.DirOpArgs a, boolean folder, ExportAccess.Caller caller) throws Failure, Drop {
        Target dir = program.writable(a.dir);
        Path file = NfsProgram.child(dir, a.name, false);
        Attrs before = NfsProgram.attrs(dir);
        Attrs fa = Attrs.orNull(file);
        if (fa == null) {
            throw new Failure(Nfs3.ERR_NOENT, "no " + file.getFileName());
        }
        if (folder != fa.directory()) {
            throw new Failure(folder ? Nfs3.ERR_NOTDIR : Nfs3.ERR_ISDIR, "wrong type for this procedure");
        }
        Permissions.requireChange(caller, before, "remove from a folder");
        Permissions.requireUnstuck(caller, before, fa, "remove");
        program.fence(dir);
        try {
            Long id = null;
            if (fa.nlink() <= 1 || folder) {
                id = dir.export().volume.ids.idOf(file,
                        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            }
            Files.delete(file);
            if (id != null) {
                dir.export().volume.ids.removed(id);
            }
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
        syncFolder(dir);
        Attrs after = Attrs.orNull(dir.file());
        return out -> Attrs.wcc(out, before, after, dir.fsid());
    }

    Xdr3.Body rename(Xdr3.RenameArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target from = program.writable(a.fromDir);
        Target to = program.writable(a.toDir);
        if (from.export() != to.export()) {
            throw new Failure(Nfs3.ERR_XDEV, "rename across exports");
        }
        Path source = NfsProgram.child(from, a.fromName, false);
        Path dest = NfsProgram.child(to, a.toName, true);
        Attrs fromBefore = NfsProgram.attrs(from);
        Attrs toBefore = NfsProgram.attrs(to);
        Attrs sa = Attrs.orNull(source);
        if (sa == null) {
            throw new Failure(Nfs3.ERR_NOENT, "no " + source.getFileName());
        }
        if (sa.directory() && dest.startsWith(source) && !dest.equals(source)) {
            throw new Failure(Nfs3.ERR_INVAL, "a folder cannot move into itself");
        }
        Permissions.requireChange(caller, fromBefore, "rename from a folder");
        Permissions.requireChange(caller, toBefore, "rename into a folder");
        Permissions.requireUnstuck(caller, fromBefore, sa, "rename");
        Attrs over = Attrs.orNull(dest);
        if (over != null && !source.equals(dest)) {
            Permissions.requireUnstuck(caller, toBefore, over, "rename over");
        }
        if (sa.directory() && !from.file().equals(to.file())) {
            // a folder that moves to another parent has its '..' entry rewritten
            Permissions.require(caller, sa, Permissions.WRITE, "move a folder to another parent");
        }
        program.fence(from);
        try {
            FileIds ids = from.export().volume.ids;
            long id = ids.idOf(source, Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            Attrs replaced = Attrs.orNull(dest);
            // a file with another name lives on; a folder's link count is 2 or more whatever it holds
            Long replacedId = replaced == null || replaced.nlink() > 1 && !replaced.directory() || source.equals(dest)
                    ? null
                    : ids.idOf(dest, Files.readAttributes(dest, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            if (replaced != null && replaced.directory() != sa.directory()) {
                throw new Failure(replaced.directory() ? Nfs3.ERR_ISDIR : Nfs3.ERR_NOTDIR, "types differ");
            }
            Files.move(source, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (replacedId != null && replacedId != id) {
                ids.removed(replacedId);
            }
            ids.moved(id);
            ids.placed(id, to.id(), dest);
        } catch (IOException e) {
            throw NfsProgram.failure(from, e);
        }
        syncFolder(from);
        if (!to.file().equals(from.file())) {
            syncFolder(to);
        }
        Attrs fromAfter = Attrs.orNull(from.file());
        Attrs toAfter = Attrs.orNull(to.file());
        return out -> {
            Attrs.wcc(out, fromBefore, fromAfter, from.fsid());
            Attrs.wcc(out, toBefore, toAfter, to.fsid());
        };
    }

    Xdr3.Body link(Xdr3.LinkArgs a, ExportAccess.Caller caller) throws Failure, Drop {
        Target file = program.writable(a.fh);
        Target dir = program.writable(a.dir);
        if (file.export() != dir.export()) {
            throw new Failure(Nfs3.ERR_XDEV, "link across exports");
        }
        Path name = NfsProgram.child(dir, a.name, true);
        Attrs fa = NfsProgram.attrs(file);
        if (fa.directory()) {
            throw new Failure(Nfs3.ERR_ISDIR, "hard link to a folder");
        }
        Attrs before = NfsProgram.attrs(dir);
        Permissions.requireChange(caller, before, "link into a folder");
        program.fence(dir);
        try {
            Files.createLink(name, file.file());
        } catch (IOException e) {
            throw NfsProgram.failure(dir, e);
        }
        syncFolder(dir);
        Attrs after = Attrs.orNull(dir.file());
        Attrs fileAfter = Attrs.orNull(file.file());
        return out -> {
            Attrs.post(out, fileAfter, dir.fsid());
            Attrs.wcc(out, before, after, dir.fsid());
        };
    }

}
