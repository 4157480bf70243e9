package org.hasm.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.admin.internal.Credentials.Credential;
import org.hasm.admin.internal.Credentials.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path admin;

    private final List<String> problems = new CopyOnWriteArrayList<>();

    /** Writes {@code DIR/ROLE/NAME.token}, owner-only, as {@code hasm token} does; returns the token. */
    static String write(Path dir, String role, String name, String token) throws IOException {
        Path file = dir.resolve(role).resolve(name + ".token");
        Files.createDirectories(file.getParent());
        Files.writeString(file, token + "\n", StandardCharsets.ISO_8859_1);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return token;
    }

    private Credentials credentials() {
        return new Credentials(admin, problems::add);
    }

    private String problem(String fileName) {
        return problems.stream().filter(p -> p.contains(fileName)).findFirst()
                .orElseThrow(() -> new AssertionError("no problem reported for " + fileName + ": " + problems));
    }

    @Test
    void eachTokenFileIsACredentialWithTheRoleOfItsFolder() throws IOException {
        String ops = write(admin, "operate", "alice", "A".repeat(32));
        String mon = write(admin, "read", "monitor", "m".repeat(1024));
        Credentials c = credentials();
        assertEquals(new Credential("alice", Role.OPERATE), c.authenticate(ops));
        assertEquals(new Credential("monitor", Role.READ), c.authenticate(mon));
        assertNull(c.authenticate("A".repeat(31)));
        assertNull(c.authenticate("A".repeat(33)));
        assertNull(c.authenticate(""));
        assertEquals(List.of(), problems);
        assertTrue(Role.OPERATE.allows(Role.READ) && Role.OPERATE.allows(Role.OPERATE));
        assertTrue(Role.READ.allows(Role.READ) && !Role.READ.allows(Role.OPERATE));
    }

    @Test
    void aTokenFileOthersCanReadIsNoCredential() throws IOException {
        String token = write(admin, "operate", "open", "x".repeat(40));
        Files.setPosixFilePermissions(admin.resolve("operate/open.token"), PosixFilePermissions.fromString("rw-r--r--"));
        String group = write(admin, "operate", "group", "g".repeat(40));
        Files.setPosixFilePermissions(admin.resolve("operate/group.token"), PosixFilePermissions.fromString("rw--w----"));
        Credentials c = credentials();
        assertNull(c.authenticate(token));
        assertNull(c.authenticate(group));
        assertTrue(problem("open.token").endsWith("open.token: readable or writable by others than its owner (rw-r--r--):"
                + " chmod 600 it; this credential is not accepted"), problems.toString());
        problem("group.token");
    }

    @Test
    void aMalformedTokenFileIsNamedWithWhatIsWrongAndNeverQuoted() throws IOException {
        write(admin, "operate", "good", "g".repeat(40));
        String fine = write(admin, "operate", "fine", "f".repeat(40));
        write(admin, "operate", "empty", "");
        write(admin, "operate", "short", "s".repeat(31));
        write(admin, "operate", "spaces", "a".repeat(20) + " " + "b".repeat(20));
        write(admin, "operate", "lines", "a".repeat(40) + "\n" + "b".repeat(40));
        write(admin, "operate", "latin", "é".repeat(40));
        write(admin, "operate", "long", "l".repeat(1025));
        write(admin, "read", ".hidden", "h".repeat(40));
        write(admin, "read", "good", "d".repeat(40));
        write(admin, "read", "twin", "g".repeat(40));
        Credentials c = credentials();
        assertEquals(List.of(new Credential("fine", Role.OPERATE)), c.list());
        assertEquals(new Credential("fine", Role.OPERATE), c.authenticate(fine));
        assertNull(c.authenticate("g".repeat(40)));
        assertTrue(problem("empty.token").contains(": empty"), problems.toString());
        assertTrue(problem("short.token").contains("too short (31 characters, at least 32)"), problems.toString());
        assertTrue(problem("spaces.token").contains("one line of visible ASCII"), problems.toString());
        assertTrue(problem("lines.token").contains("one line of visible ASCII"), problems.toString());
        assertTrue(problem("latin.token").contains("one line of visible ASCII"), problems.toString());
        assertTrue(problem("long.token").contains("longer than 1024"), problems.toString());
        assertTrue(problem(".hidden.token").contains("not a credential name"), problems.toString());
        // a name or a token twice: neither counts, so the log never names the wrong credential
        assertTrue(problem("read/good.token").contains("the name 'good' is also in " + admin.resolve("operate/good.token")),
                problems.toString());
        assertTrue(problem("operate/good.token").contains("the name 'good' is also in"), problems.toString());
        assertTrue(problem("twin.token").contains("holds the same token as " + admin.resolve("operate/good.token")),
                problems.toString());
        for (String p : problems) {
            assertTrue(!p.contains("gggg") && !p.contains("ssss") && !p.contains("aaaa"), "a token in: " + p);
        }
    }

    @Test
    void aFolderWithoutCredentialsLetsNobodyInAndSaysSo() throws IOException {
        Credentials missing = new Credentials(admin.resolve("nope"), problems::add);
        assertNull(missing.authenticate("x".repeat(40)));
        assertTrue(problems.get(0).endsWith("nope: missing (the admin credentials: read/NAME.token and operate/NAME.token)"),
                problems.toString());
        problems.clear();
        Files.createDirectories(admin.resolve("operate"));
        assertNull(credentials().authenticate("x".repeat(40)));
        assertEquals(List.of("no admin credentials in " + admin + ": nobody can use the admin API (create one with"
                + " bin/hasm token NODE-FOLDER)"), problems);
        problems.clear();
        assertNull(new Credentials(null, problems::add).authenticate("x".repeat(40)));
        assertTrue(problems.get(0).startsWith("no admin credentials folder is configured"), problems.toString());
    }

    @Test
    void aChangedFolderIsReadAgainAndProblemsAreReportedOncePerChange() throws IOException {
        Credentials c = credentials();
        assertNull(c.authenticate("n".repeat(40)));
        assertEquals(1, problems.size(), problems.toString()); // no credentials
        assertNull(c.authenticate("n".repeat(40)));
        assertEquals(1, problems.size(), "the same folder is not reported again");

        String added = write(admin, "operate", "new", "n".repeat(40));
        assertEquals(new Credential("new", Role.OPERATE), c.authenticate(added));
        Files.setPosixFilePermissions(admin.resolve("operate/new.token"), PosixFilePermissions.fromString("rw-rw-r--"));
        assertNull(c.authenticate(added), "made readable by others: no longer accepted");
        assertTrue(problems.size() >= 2 && problems.get(1).contains("new.token: readable or writable"), problems.toString());
        Files.setPosixFilePermissions(admin.resolve("operate/new.token"), PosixFilePermissions.fromString("rw-------"));
        assertEquals(new Credential("new", Role.OPERATE), c.authenticate(added));

        // replaced: the old token stops working at once, the new one works
        Files.delete(admin.resolve("operate/new.token"));
        String replaced = write(admin, "operate", "new", "N".repeat(40));
        assertNull(c.authenticate(added));
        assertEquals(new Credential("new", Role.OPERATE), c.authenticate(replaced));
        Files.delete(admin.resolve("operate/new.token"));
        assertNull(c.authenticate(replaced));
    }

    @Test
    void otherFilesInTheRoleFoldersAreIgnored() throws IOException {
        String token = write(admin, "read", "ok", "k".repeat(40));
        Files.writeString(admin.resolve("read/README"), "not a token");
        Files.writeString(admin.resolve("read/ok.token~"), "backup");
        assertEquals(new Credential("ok", Role.READ), credentials().authenticate(token));
        assertEquals(List.of(), problems);
    }
}
