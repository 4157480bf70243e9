package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** One nfs export while it is served: its folder on its volume, its id in handles, its root's file id. */
final class ExportState {
    final String personality;
    final String name;
    final long id;
    final VolumeState volume;
    final Path folder;
    final boolean readOnly;
    final ExportAccess access;
    // Set once by open(), under this; read by requests after their open() returned.
    private volatile long rootId;
    private volatile long rootInode;
    private volatile boolean opened;

    ExportState(String personality, String name, VolumeState volume, Path folder, boolean readOnly, ExportAccess access)
            throws IOException {
        this.personality = personality;
        this.name = name;
        this.id = Handles.exportId(personality, name);
        this.volume = volume;
        this.folder = folder;
        folder.toRealPath(); // an export whose folder is not there fails here, naming it
        this.readOnly = readOnly;
        this.access = access;
    }

    /**
     * Opens the volume's state and gives the export's folder its id, the first time a request comes
     * while this SCM owns the volume (see {@link VolumeState#open()}).
     */
    void open() throws IOException {
        volume.open();
        if (opened) {
            return;
        }
        synchronized (this) {
            if (!opened) {
                BasicFileAttributes a = Files.readAttributes(folder, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                rootId = volume.ids.idOf(folder, a);
                rootInode = FileIds.inode(a);
                opened = true;
            }
        }
    }

    /** @return the id of the export's folder; valid once {@link #open()} returned */
    long rootId() {
        return rootId;
    }

    long rootInode() {
        return rootInode;
    }

    /** @return the path clients mount: {@code /<name>} */
    String mountPath() {
        return "/" + name;
    }

    /**
     * @return whether {@code file} lies inside the export once every link above it is resolved: the
     *     folders from the file's up to the volume's root are real folders, not symbolic links (the
     *     server never follows one), so the file's place is its path, which lies under the export's
     *     folder. One {@code lstat} per folder below the volume's root, not a resolution of the whole path
     *     from {@code /} on every request.
     */
    boolean inside(Path file) {
        if (file.equals(folder)) {
            return true;
        }
        Path parent = file.getParent();
        if (parent == null || !parent.startsWith(folder)) {
            return false;
        }
        Path top = volume.root();
        try {
            for (Path p = parent; p != null && !p.equals(top); p = p.getParent()) {
                if (!Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()) {
                    return false;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return true;
    }
}
