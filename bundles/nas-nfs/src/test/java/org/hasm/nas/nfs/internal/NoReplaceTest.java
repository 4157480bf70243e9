package org.hasm.nas.nfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rename that never replaces, on this machine's file system (ext4, tmpfs: both take the flag): a folder
 * or link made under a name another client took meanwhile stays where it was, and what took the name is kept,
 * an empty folder included (a plain rename replaces an empty folder without a word).
 */
class NoReplaceTest {

    @Test
    void aTakenNameIsNeverReplacedAndAFreeOneIsTaken(@TempDir Path dir) throws Exception {
        Path staged = Files.createDirectory(dir.resolve("staged"));
        Files.writeString(staged.resolve("mark"), "ours");
        Path theirs = Files.createDirectory(dir.resolve("name")); // empty: rename(2) would replace it
        assertThrows(java.nio.file.NoSuchFileException.class, () -> NoReplace.move(dir.resolve("nothing"), dir.resolve("x")),
                "renameat2 with RENAME_NOREPLACE is not to be had here (JNA, glibc 2.28, the file system)");
        assertThrows(FileAlreadyExistsException.class, () -> NoReplace.move(staged, theirs));
        assertTrue(Files.isDirectory(theirs) && Files.list(theirs).findAny().isEmpty(), "their folder is kept");
        assertTrue(Files.exists(staged.resolve("mark")), "ours stayed under its staged name");

        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("dangling"));
        assertThrows(FileAlreadyExistsException.class, () -> NoReplace.move(staged, link), "a dangling link is a name too");

        assertTrue(NoReplace.move(staged, dir.resolve("free")));
        assertEquals("ours", Files.readString(dir.resolve("free").resolve("mark")));
        assertTrue(Files.notExists(staged, LinkOption.NOFOLLOW_LINKS));
    }
}
