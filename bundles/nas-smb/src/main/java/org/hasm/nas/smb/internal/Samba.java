package org.hasm.nas.smb.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Samba tools this service runs, found and checked ({@link #check}), and the user database it
 * makes for each personality ({@link #createPassdb}).
 */
final class Samba {

    /** The oldest Samba whose smbd takes {@code --debug-stdout} and the settings of {@link SmbConf}. */
    static final int MIN_MAJOR = 4;
    static final int MIN_MINOR = 15;
    private static final Pattern VERSION = Pattern.compile("Version (\\d+)\\.(\\d+)\\.(\\S+)");
    private static final long TOOL_TIMEOUT_MS = 15_000;

    /** A tool this service needs, and the Debian package that installs it. */
    record Tool(String name, String command, String debianPackage) {
    }

    private final SmbSettings settings;

    Samba(SmbSettings settings) {
        this.settings = settings;
    }

    SmbSettings settings() {
        return settings;
    }

    List<Tool> tools() {
        return List.of(new Tool("smbd", settings.smbd(), "samba"), new Tool("pdbedit", settings.pdbedit(), "samba-common-bin"),
                new Tool("setpriv", "setpriv", "util-linux"), new Tool("setsid", "setsid", "util-linux"),
                new Tool("bash", "bash", "bash"), new Tool("getent", "getent", "libc-bin"));
    }

    /**
     * Checks that every tool is installed and smbd is a supported version, and that every configured
     * user's Unix account and the guest account exist.
     *
     * @return smbd's version, e.g. {@code 4.17.12-Debian}
     * @throws IOException naming what is missing and the package that brings it
     */
    String check() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Tool t : tools()) {
            if (find(t.command()) == null) {
                missing.add(t.name() + " (" + t.command() + "; Debian package " + t.debianPackage() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("not installed: " + String.join(", ", missing));
        }
        Commands.Result r = Commands.run(List.of(find(settings.smbd()).toString(), "--version"), null, TOOL_TIMEOUT_MS);
        Matcher m = VERSION.matcher(r.output());
        if (r.exit() != 0 || !m.find()) {
            throw new IOException(settings.smbd() + " --version did not give a Samba version (exit " + r.exit() + "): "
                    + r.output());
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        String version = major + "." + minor + "." + m.group(3);
        if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
            throw new IOException("smbd " + version + " is too old: Samba " + MIN_MAJOR + "." + MIN_MINOR
                    + " or newer is needed (Debian package samba)");
        }
        for (SmbUser u : settings.users()) {
            uid(u.account(), "user " + u.name());
        }
        uid(settings.guestAccount(), "guest.account");
        return version;
    }

    /**
     * Writes the personality's user database anew: every configured user with its NT hash, imported
     * from an owner-only file in the smbpasswd format, which is deleted at once. No password, and no
     * hash, is ever on a command line.
     *
     * @param dir the personality's folder; its {@code private} folder gets {@value SmbConf#PASSDB}
     */
    void createPassdb(Path dir, String personality, String serviceAccount) throws IOException {
        for (String f : SmbConf.FOLDERS) {
            Files.createDirectories(dir.resolve(f));
        }
        // the user database and Samba's secrets: nobody else's to list
        Files.setPosixFilePermissions(dir.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        Path conf = dir.resolve("pdbedit.conf");
        Files.writeString(conf, SmbConf.text(dir, personality, null, settings, serviceAccount), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(SmbConf.USERS_MAP), SmbConf.usersMap(settings.users()), StandardCharsets.UTF_8);
        Path passdb = dir.resolve(SmbConf.PASSDB);
        Path made = dir.resolve("private").resolve("passdb.made-from");
        String from = fingerprint(settings.users());
        if (Files.isRegularFile(passdb) && Files.isRegularFile(made)
                && from.equals(Files.readString(made, StandardCharsets.US_ASCII))) {
            return; // made from these very users at an earlier boot: no pdbedit while the SCM boots
        }
        Files.deleteIfExists(made);
        Files.deleteIfExists(passdb);
        if (settings.users().isEmpty()) {
            return; // guests only; smbd creates an empty database itself
        }
        Path secret = dir.resolve("private").resolve("import.smbpasswd");
        Files.deleteIfExists(secret);
        try {
            Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder lines = new StringBuilder();
            // the last change now and 'X' (no expiry): otherwise Samba asks the user to change it at once
            String lct = Long.toHexString(System.currentTimeMillis() / 1000).toUpperCase(java.util.Locale.ROOT);
            for (SmbUser u : settings.users()) {
                lines.append(u.account()).append(':').append(uid(u.account(), "user " + u.name()))
                        .append(":XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:").append(u.ntHash())
                        .append(":[UX         ]:LCT-").append(lct).append(":\n");
            }
            Files.writeString(secret, lines, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
            Commands.Result r = Commands.run(List.of(find(settings.pdbedit()).toString(), "-s", conf.toString(), "-i",
                    "smbpasswd:" + secret, "-e", "tdbsam:" + passdb), null, TOOL_TIMEOUT_MS);
            long imported = r.output().lines().filter(l -> l.startsWith("Importing account for ") && l.endsWith("ok"))
                    .count();
            if (r.exit() != 0 || imported != settings.users().size()) {
                throw new IOException("pdbedit imported " + imported + " of " + settings.users().size() + " users into "
                        + passdb + " (exit " + r.exit() + "): " + r.output());
            }
            Files.writeString(made, from, StandardCharsets.US_ASCII);
        } finally {
            Files.deleteIfExists(secret);
        }
    }

    /** @return a digest of the users (names, hashes, accounts): says whether a database is current */
    static String fingerprint(List<SmbUser> users) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (SmbUser u : users) {
                sha.update((u.name() + ":" + u.ntHash() + ":" + u.account() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JRE has no SHA-256", e);
        }
    }

    /** @return the account's uid, from the system's accounts (NSS) */
    static long uid(String account, String who) throws IOException {
        Commands.Result r = Commands.run(List.of("getent", "passwd", account), null, TOOL_TIMEOUT_MS);
        String[] fields = r.output().split(":");
        if (r.exit() != 0 || fields.length < 3) {
            throw new IOException(who + ": the Unix account " + account + " does not exist (Samba authenticates"
                    + " every user as a Unix account)");
        }
        try {
            return Long.parseLong(fields[2]);
        } catch (NumberFormatException e) {
            throw new IOException(who + ": getent passwd " + account + " gave no uid: " + r.output(), e);
        }
    }

    /** @return the executable: {@code command} if it is a path, else found on PATH or in the sbin folders */
    static Path find(String command) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return Files.isExecutable(p) ? p : null;
        }
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, command);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
