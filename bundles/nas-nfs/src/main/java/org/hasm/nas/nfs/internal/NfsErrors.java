package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The nfsstat3 a file system error answers. Java gives no errno: most are known only by their text. */
final class NfsErrors {
    private static final Map<String, Integer> BY_TEXT = new LinkedHashMap<>();

    static {
        BY_TEXT.put("No space left", Nfs3.ERR_NOSPC);
        BY_TEXT.put("Operation not permitted", Nfs3.ERR_PERM);
        BY_TEXT.put("Disk quota", Nfs3.ERR_NOSPC);
        BY_TEXT.put("Read-only file system", Nfs3.ERR_ROFS);
        BY_TEXT.put("File name too long", Nfs3.ERR_NAMETOOLONG);
        BY_TEXT.put("Is a directory", Nfs3.ERR_ISDIR);
        BY_TEXT.put("Not a directory", Nfs3.ERR_NOTDIR);
        BY_TEXT.put("Directory not empty", Nfs3.ERR_NOTEMPTY);
        BY_TEXT.put("Too many links", Nfs3.ERR_MLINK);
        BY_TEXT.put("Invalid cross-device link", Nfs3.ERR_XDEV);
    }

    private NfsErrors() {
    }

    static int status(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Nfs3.ERR_NOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Nfs3.ERR_EXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Nfs3.ERR_NOTEMPTY;
        }
        if (e instanceof AccessDeniedException) {
            return Nfs3.ERR_ACCES;
        }
        if (e instanceof NotDirectoryException) {
            return Nfs3.ERR_NOTDIR;
        }
        String m = String.valueOf(e instanceof FileSystemException f ? f.getReason() : e.getMessage());
        for (Map.Entry<String, Integer> known : BY_TEXT.entrySet()) {
            if (m.contains(known.getKey())) {
                return known.getValue();
            }
        }
        return Nfs3.ERR_IO;
    }
}
