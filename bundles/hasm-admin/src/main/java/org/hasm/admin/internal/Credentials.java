package org.hasm.admin.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The admin API's credentials: one token file per credential, {@code FOLDER/ROLE/NAME.token}, where
 * ROLE is {@code read} or {@code operate} and the file holds the token on one line (32 to 1024
 * visible ASCII characters). A token file must be readable by its owner only: a token anyone on
 * the node can read is no credential.
 *
 * <p>The folder is read again at every request (a listing per role and a few bytes per file: an
 * operator's requests are rare, and a flood of them is bounded by the HTTP server's threads), so
 * that an operator adds, replaces or removes a credential, or fixes its permissions, without
 * restarting the SCM, which in a pair would mean a failover; a file's modification time is too
 * coarse to tell a token replaced within the same few milliseconds. A file that breaks a rule is
 * left out and reported, naming the file and the rule, once until the folder changes again.
 *
 * <p>Tokens are kept only as SHA-256 digests and compared with {@link MessageDigest#isEqual}
 * against every credential, without stopping at a match: how long a check takes says nothing
 * about which bytes of a guess were right.
 */
final class Credentials {

    /** What a request may do. {@link #OPERATE} includes {@link #READ}. */
    enum Role {
        READ, OPERATE;

        String folder() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean allows(Role needed) {
            return compareTo(needed) >= 0;
        }
    }

    /** Who sent a request: the token file's name and its role. Never the token. */
    record Credential(String name, Role role) {
    }

    static final String SUFFIX = ".token";
    static final int MIN_LENGTH = 32;
    static final int MAX_LENGTH = 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]+");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private record Entry(Credential credential, byte[] digest) {
    }

    private final Path folder;
    private final Consumer<String> problems;

    private final Object lock = new Object();
    /* Guarded by lock: the problems last reported, so that each is reported once, not at every request. */
    private List<String> reported = List.of();

    /**
     * @param folder the credentials folder, or {@code null} if none is configured (nobody gets in)
     * @param problems told, once per change of the folder, of each file that is left out and of a
     *     folder without any credential; never given a token
     */
    Credentials(Path folder, Consumer<String> problems) {
        this.folder = folder;
        this.problems = problems;
    }

    Path folder() {
        return folder;
    }

    /**
     * @param token the token a request presented
     * @return the credential it belongs to, or {@code null}
     */
    Credential authenticate(String token) {
        List<Entry> current = current();
        byte[] presented = sha256(token);
        Credential match = null;
        for (Entry e : current) {
            // every entry is compared, a match or not: the time taken is the same either way
            if (MessageDigest.isEqual(e.digest(), presented) && match == null) {
                match = e.credential();
            }
        }
        return match;
    }

    /** @return the credentials the folder holds now */
    List<Credential> list() {
        return current().stream().map(Entry::credential).toList();
    }

    private List<Entry> current() {
        List<String> found = new ArrayList<>();
        List<Entry> read = read(found);
        if (read.isEmpty() && (folder == null || Files.isDirectory(folder))) {
            found.add(folder == null
                    ? "no admin credentials folder is configured: nobody can use the admin API"
                    : "no admin credentials in " + folder + ": nobody can use the admin API (create one with"
                            + " bin/hasm token NODE-FOLDER)");
        }
        synchronized (lock) {
            if (!found.equals(reported)) {
                reported = found;
                found.forEach(problems);
            }
        }
        return read;
    }

    private List<Entry> read(List<String> found) {
        List<Entry> read = new ArrayList<>();
        if (folder == null) {
            return read;
        }
        if (!Files.isDirectory(folder)) {
            found.add(folder + ": " + (Files.exists(folder) ? "not a folder" : "missing")
                    + " (the admin credentials: read/NAME.token and operate/NAME.token)");
            return read;
        }
        Map<Path, Entry> valid = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            Path dir = folder.resolve(role.folder());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                stream.forEach(files::add);
            } catch (IOException e) {
                found.add(dir + ": cannot be listed (" + e.getMessage() + ")");
                continue;
            }
            files.sort(Comparator.naturalOrder());
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String name = fileName.substring(0, fileName.length() - SUFFIX.length());
                try {
                    if (!NAME.matcher(name).matches()) {
                        throw new IllegalArgumentException("'" + name + "' is not a credential name (letters, digits,"
                                + " '_', '-' and '.', not first)");
                    }
                    valid.put(file, new Entry(new Credential(name, role), sha256(token(file))));
                } catch (IllegalArgumentException e) {
                    found.add(file + ": " + e.getMessage() + "; this credential is not accepted");
                }
            }
        }
        // A name or a token given twice would make the log say the wrong name: neither file counts.
        Map<String, List<Path>> byName = new HashMap<>();
        Map<String, List<Path>> byToken = new HashMap<>();
        valid.forEach((file, e) -> {
            byName.computeIfAbsent(e.credential().name(), k -> new ArrayList<>()).add(file);
            byToken.computeIfAbsent(HexFormat.of().formatHex(e.digest()), k -> new ArrayList<>()).add(file);
        });
        valid.forEach((file, e) -> {
            List<Path> sameName = byName.get(e.credential().name());
            List<Path> sameToken = byToken.get(HexFormat.of().formatHex(e.digest()));
            if (sameName.size() > 1) {
                found.add(file + ": the name '" + e.credential().name() + "' is also in " + others(sameName, file)
                        + "; this credential is not accepted");
            } else if (sameToken.size() > 1) {
                found.add(file + ": holds the same token as " + others(sameToken, file)
                        + "; this credential is not accepted");
            } else {
                read.add(e);
            }
        });
        return read;
    }

    private static String others(List<Path> files, Path file) {
        return files.stream().filter(f -> !f.equals(file)).map(Path::toString).collect(Collectors.joining(", "));
    }

    /**
     * Reads one token file and checks it against the rules.
     *
     * @return the token
     * @throws IllegalArgumentException saying which rule the file breaks (never quoting the token)
     */
    static String token(Path file) {
        try {
            boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
            BasicFileAttributes a = posix ? Files.readAttributes(file, PosixFileAttributes.class)
                    : Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                throw new IllegalArgumentException("not a file");
            }
            if (a instanceof PosixFileAttributes attrs) {
                Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
                open.addAll(attrs.permissions());
                open.retainAll(OTHERS);
                if (!open.isEmpty()) {
                    throw new IllegalArgumentException("readable or writable by others than its owner ("
                            + PosixFilePermissions.toString(attrs.permissions())
                            + "): chmod 600 it");
                }
            }
            if (a.size() > MAX_LENGTH + 2) {
                throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            String token = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                    : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            if (token.isEmpty()) {
                throw new IllegalArgumentException("empty (a token file holds one token of " + MIN_LENGTH
                        + " to " + MAX_LENGTH + " characters)");
            }
            if (!TOKEN.matcher(token).matches()) {
                throw new IllegalArgumentException("the token must be one line of visible ASCII characters,"
                        + " without spaces");
            }
            if (token.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("the token is too short (" + token.length() + " characters, at least "
                        + MIN_LENGTH + ")");
            }
            if (token.length() > MAX_LENGTH) {
                throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read (" + e.getMessage() + ")");
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
