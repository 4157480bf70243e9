package org.hasm.nas.smb.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmbConfTest {

    private static final SmbSettings SETTINGS = new SmbSettings("smbd", "pdbedit",
            SmbUser.parse("alice:8846F7EAEE8FB117AD06BDD830B7586C:root"), "nobody", 5000, 0, 500, 30_000, 1);

    @Test
    void anAddressOnNoInterfaceGetsAPrefixUnderWhichItIsAHost() {
        assertEquals("127.0.3.1/24", SmbConf.withPrefix("127.0.3.1"));
        assertEquals("198.51.100.7/24", SmbConf.withPrefix("198.51.100.7"));
        // .0 and .255 are the network and broadcast address of a /24: Samba would refuse them there
        assertEquals("10.1.2.0/16", SmbConf.withPrefix("10.1.2.0"));
        assertEquals("10.1.2.255/16", SmbConf.withPrefix("10.1.2.255"));
        assertEquals("0:0:0:0:0:0:0:1/64", SmbConf.withPrefix("::1"));
        assertThrows(IllegalArgumentException.class, () -> SmbConf.withPrefix("not an address"));
    }

    @Test
    void theConfigurationBindsOnlyThePersonalitysAddressesAndKeepsEverythingInItsFolder() {
        Path dir = Path.of("/data/smb/A");
        SharePlan plan = new SharePlan("A", List.of("127.0.3.1"), 4445, List.of(
                new SharePlan.Share("files", "vol-a", Path.of("/shared/volumes/vol-a"), false, true, true),
                new SharePlan.Share("docs", "vol-a", Path.of("/shared/volumes/vol-a/docs"), true, false, false)));
        String conf = SmbConf.text(dir, "A", plan, SETTINGS, "root");
        for (String line : List.of("smb ports = 4445", "interfaces = 127.0.3.1/24", "bind interfaces only = yes",
                "disable netbios = yes", "server min protocol = SMB2_02", "server max protocol = SMB3",
                "lock directory = /data/smb/A/lock", "state directory = /data/smb/A/state",
                "cache directory = /data/smb/A/cache", "private dir = /data/smb/A/private", "pid directory = /data/smb/A/run",
                "ncalrpc dir = /data/smb/A/ncalrpc", "passdb backend = tdbsam:/data/smb/A/private/passdb.tdb",
                "load printers = no", "strict sync = yes", "follow symlinks = no")) {
            assertTrue(conf.contains("\n  " + line + "\n"), line + " in\n" + conf);
        }
        assertTrue(conf.contains("[files]\n  path = /shared/volumes/vol-a\n  read only = no\n  guest ok = yes\n  sync always = yes\n"), conf);
        assertTrue(conf.contains("[docs]\n  path = /shared/volumes/vol-a/docs\n  read only = yes\n  guest ok = no\n  sync always = no\n"), conf);
        assertEquals(2, conf.split("\n  veto files = /.hasm-\\*/\n", -1).length - 1,
                "every share hides hasm's reserved names (the modules' private folders): " + conf);
        assertFalse(conf.contains("8846F7EA"), "no hash in smb.conf");
        assertEquals("# Unix account = SMB user, written by hasm's SMB service\nroot = alice\n",
                SmbConf.usersMap(SETTINGS.users()));
    }

    @Test
    void aSharesSyncPolicyIsAlwaysUnlessItSaysClient() {
        assertTrue(SharePlan.syncAlways(null));
        assertTrue(SharePlan.syncAlways(" Always "));
        assertFalse(SharePlan.syncAlways("client"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharePlan.syncAlways("never"));
        assertEquals("'never' is not a policy: always (every write on disk before it is answered) or client (when"
                + " the client flushes)", e.getMessage());
    }

    @Test
    void aPathThatWouldChangeTheConfigurationIsRefused() {
        SharePlan plan = new SharePlan("A", List.of("127.0.3.1"), 4445, List.of(
                new SharePlan.Share("files", "vol-a", Path.of("/shared/x\n[evil]\n  path = /"), false, false, true)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SmbConf.text(Path.of("/data/smb/A"), "A", plan, SETTINGS, "root"));
        assertTrue(e.getMessage().contains("cannot be written into smb.conf"), e.getMessage());
    }

    @Test
    void usersAreCheckedAndNamedWithoutTheirHash() {
        assertEquals(List.of(new SmbUser("alice", "8846F7EAEE8FB117AD06BDD830B7586C", "alice"),
                new SmbUser("bob", "31D6CFE0D16AE931B73C59D7E0C089C0", "daemon")),
                SmbUser.parse("alice:8846f7eaee8fb117ad06bdd830b7586c, bob:31D6CFE0D16AE931B73C59D7E0C089C0:daemon"));
        assertEquals(List.of(), SmbUser.parse("  "));
        for (String[] bad : new String[][] {
            {"alice", "entry 1 ('alice') is not name:NTHASH[:account]"},
            {"alice:1234", "entry 1 ('alice'): the NT hash must be 32 hex digits"},
            {"al ice:8846F7EAEE8FB117AD06BDD830B7586C", "entry 1 ('al')"},
            {"a/b:8846F7EAEE8FB117AD06BDD830B7586C", "entry 1 ('a/b'): the name must be"},
            {"alice:8846F7EAEE8FB117AD06BDD830B7586C,ALICE:8846F7EAEE8FB117AD06BDD830B7586C:bob",
                "entry 2 ('ALICE'): the name is given twice"},
            {"a:8846F7EAEE8FB117AD06BDD830B7586C:x,b:8846F7EAEE8FB117AD06BDD830B7586C:x",
                "entry 2 ('b'): the account x belongs to another user already"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SmbUser.parse(bad[0]), bad[0]);
            assertTrue(e.getMessage().startsWith(bad[1]), e.getMessage());
            assertFalse(e.getMessage().contains("8846F7EA"), e.getMessage());
        }
        assertEquals("alice (as root)", SETTINGS.users().get(0).toString());
        SmbSettings.Invalid guest = assertThrows(SmbSettings.Invalid.class, () -> new SmbSettings("smbd", "pdbedit",
                SmbUser.parse("n:8846F7EAEE8FB117AD06BDD830B7586C:nobody"), "nobody", 5000, 0, 500, 30_000, 1));
        assertEquals("users", guest.key());
    }

    @Test
    void theWatchdogOutlivesNoLease() {
        assertEquals(1000, SETTINGS.watchdogMillis(2000));
        assertEquals(100, SETTINGS.watchdogMillis(200));
        assertEquals(20, SETTINGS.watchdogMillis(30));
    }
}
