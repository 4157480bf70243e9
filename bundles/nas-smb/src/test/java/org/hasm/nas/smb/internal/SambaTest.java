package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The self-test of {@code test()}: what it says when Samba is missing, too old, or a user's account does not exist. */
class SambaTest {

    @TempDir
    Path work;

    private static SmbSettings settings(String smbd, String users) {
        return new SmbSettings(smbd, "pdbedit", SmbUser.parse(users), "nobody", 5000, 0, 500, 30_000, 1);
    }

    @Test
    void aMissingSmbdIsNamedWithItsDebianPackage() {
        IOException e = assertThrows(IOException.class, () -> new Samba(settings(work.resolve("no/smbd").toString(), ""))
                .check());
        assertTrue(e.getMessage().startsWith("not installed: smbd (" + work.resolve("no/smbd") + "; Debian package samba)"),
                e.getMessage());
    }

    @Test
    void theUserDatabaseIsMadeAgainOnlyWhenTheUsersChanged() throws Exception {
        SmbFixture.requireSamba();
        String me = System.getProperty("user.name");
        Path dir = work.resolve("smb/T");
        Samba samba = new Samba(settings("smbd", "alice:" + SmbFixture.PASSWORD_HASH + ":" + me));
        samba.createPassdb(dir, "T", me);
        Path passdb = dir.resolve(SmbConf.PASSDB);
        java.nio.file.attribute.FileTime first = Files.getLastModifiedTime(passdb);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private"))));
        assertTrue(Files.list(dir.resolve("private")).noneMatch(p -> p.getFileName().toString().contains("smbpasswd")),
                "the import file is gone");

        samba.createPassdb(dir, "T", me);
        assertEquals(first, Files.getLastModifiedTime(passdb), "the same users: the database is kept");

        new Samba(settings("smbd", "bob:31D6CFE0D16AE931B73C59D7E0C089C0:" + me)).createPassdb(dir, "T", me);
        assertTrue(Files.readString(dir.resolve(SmbConf.USERS_MAP)).contains(me + " = bob"));
        assertTrue(!Files.readString(dir.resolve("private/passdb.made-from")).equals(Samba.fingerprint(
                SmbUser.parse("alice:" + SmbFixture.PASSWORD_HASH + ":" + me))), "made again for the new users");
    }

    @Test
    void anOldSambaIsRefusedWithItsVersion() throws Exception {
        Path fake = work.resolve("smbd");
        Files.writeString(fake, "#!/bin/sh\necho 'Version 4.9.5-Debian'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        IOException e = assertThrows(IOException.class, () -> new Samba(settings(fake.toString(), "")).check());
        assertEquals("smbd 4.9.5-Debian is too old: Samba 4.15 or newer is needed (Debian package samba)", e.getMessage());
    }

    @Test
    void aUserWhoseAccountDoesNotExistIsNamed() throws Exception {
        SmbFixture.requireSamba();
        IOException e = assertThrows(IOException.class, () -> new Samba(settings("smbd",
                "carol:8846F7EAEE8FB117AD06BDD830B7586C:hasm-no-such-account")).check());
        assertEquals("user carol: the Unix account hasm-no-such-account does not exist (Samba authenticates every user as"
                + " a Unix account)", e.getMessage());
        String version = new Samba(settings("smbd", "")).check();
        assertTrue(version.startsWith("4."), version);
    }
}
