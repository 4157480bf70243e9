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
    final Path realFolder;
    final boolean readOnly;
    final long rootId;
    final long rootInode;

    ExportState(String personality, String name, VolumeState volume, Path folder, boolean readOnly) throws IOException {
        this.personality = personality;
        this.name = name;
        this.id = Handles.exportId(personality, name);
        this.volume = volume;
        this.folder = folder;
        this.realFolder = folder.toRealPath();
        this.readOnly = readOnly;
        BasicFileAttributes a = Files.readAttributes(folder, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        this.rootId = volume.ids.idOf(folder, a);
        this.rootInode = FileIds.inode(a);
    }

    /** @return the path clients mount: {@code /<name>} */
    String mountPath() {
        return "/" + name;
    }

    /** @return whether {@code file} lies inside the export once every link above it is resolved */
    boolean inside(Path file) {
        if (file.equals(folder)) {
            return true;
        }
        try {
            return file.getParent().toRealPath().startsWith(realFolder);
        } catch (IOException e) {
            return false;
        }
    }
}
