package org.hasm.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may reach an SCM's admin API, checked before anything starts, and the admin credentials as
 * {@code hasm demo}, {@code hasm token} and {@code hasmctl} write and find them.
 *
 * <p>A credential is a token file, {@code CREDENTIALS/ROLE/NAME.token}: CREDENTIALS is
 * {@value #DEFAULT_CREDENTIALS} in the node folder unless {@value #CREDENTIALS} says otherwise,
 * ROLE is {@code read} or {@code operate}, the file holds one token of {@value #MIN_LENGTH} to
 * {@value #MAX_LENGTH} visible ASCII characters and only its owner may read it. The admin bundle
 * applies the same rules at every request; the launcher applies them at the start, so that a node
 * whose credentials nobody could use does not start.
 *
 * <p>The admin API listens on loopback only, unless it is served with TLS alone: a node that binds
 * it to another address ({@value #HOST}) with plain HTTP on does not start.
 */
final class AdminAccess {

    static final String CREDENTIALS = "hasm.admin.credentials";
    static final String DEFAULT_CREDENTIALS = "etc/admin";
    static final List<String> ROLES = List.of("read", "operate");
    /** The credential {@code hasm demo} and {@code hasm token} write and {@code hasmctl --node-dir} uses. */
    static final String DEFAULT_NAME = "hasmctl";
    static final String SUFFIX = ".token";
    static final int MIN_LENGTH = 32;
    static final int MAX_LENGTH = 1024;

    /** The bundles whose presence makes each check apply (artifact ids). */
    static final String ADMIN_BUNDLE = "org.hasm.admin";
    static final String HTTP_BUNDLE = "org.apache.felix.http.jetty12";

    // Felix HTTP's keys: framework properties, which its configuration (PID org.apache.felix.http) overrides one by one
    static final String HTTP_PID = "org.apache.felix.http";
    static final String HOST = "org.apache.felix.http.host";
    static final String HTTP_ENABLE = "org.apache.felix.http.enable";
    static final String HTTPS_ENABLE = "org.apache.felix.https.enable";
    static final String HTTP_PORT = "org.osgi.service.http.port";
    static final String HTTPS_PORT = "org.osgi.service.http.port.secure";
    static final String KEYSTORE = "org.apache.felix.https.keystore";
    static final String KEYSTORE_PASSWORD = "org.apache.felix.https.keystore.password";
    /** Felix HTTP's ports when none is set. */
    static final int DEFAULT_HTTP_PORT = 8080;
    static final int DEFAULT_HTTPS_PORT = 8443;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]+");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private AdminAccess() {
    }

    /**
     * How the admin API of a node is reached: its URL and, with TLS, the keystore whose
     * certificates are the ones to trust.
     *
     * @param url {@code http(s)://HOST:PORT}
     * @param keystore the server's keystore, or {@code null} for plain HTTP
     * @param password the keystore's password, or {@code null}
     */
    record Listener(URI url, Path keystore, String password) {
    }

    /**
     * Checks the admin API's credentials and where it listens, if the plan runs it.
     *
     * @throws LaunchException naming the file and the key or rule that is wrong
     */
    static void check(Distribution dist, Plan plan) throws LaunchException {
        if (runs(plan, HTTP_BUNDLE)) {
            listener(dist, plan);
        }
        if (runs(plan, ADMIN_BUNDLE)) {
            Path folder = credentialsFolder(plan.node(), plan.frameworkProperties());
            int n = 0;
            for (Path file : tokenFiles(folder)) {
                readToken(file);
                n++;
            }
            if (n == 0) {
                throw new LaunchException(folder + ": no admin credential (ROLE/NAME" + SUFFIX + ", ROLE read or operate):"
                        + " nobody could use the admin API; create one with bin/hasm token " + plan.node().dir());
            }
        }
    }

    /** Framework properties the controller reads: where the admin API listens, and its certificate's SHA-256. */
    static final String ADVERTISED_URL = "hasm.admin.url";
    static final String ADVERTISED_CERTIFICATE = "hasm.admin.certificate";

    /**
     * @return {@value #ADVERTISED_URL} and, with TLS, {@value #ADVERTISED_CERTIFICATE}, when the plan runs
     *     the admin API; empty otherwise
     * @throws LaunchException as {@link #listener} does
     */
    static Map<String, String> advertised(Distribution dist, Plan plan) throws LaunchException {
        if (!runs(plan, HTTP_BUNDLE) || !runs(plan, ADMIN_BUNDLE)) {
            return Map.of();
        }
        Listener listener = listener(dist, plan);
        if (listener.keystore() == null) {
            return Map.of(ADVERTISED_URL, listener.url().toString());
        }
        return Map.of(ADVERTISED_URL, listener.url().toString(), ADVERTISED_CERTIFICATE,
                PinnedTrust.served(listener.keystore(), listener.password()));
    }

    private static boolean runs(Plan plan, String artifactId) {
        return plan.bundles().stream().anyMatch(b -> b.id().artifactId().equals(artifactId));
    }

    /**
     * @param frameworkProperties the node's, as {@link Plan#frameworkProperties} works them out
     * @return the node's credentials folder, absolute
     */
    static Path credentialsFolder(Node node, Map<String, String> frameworkProperties) {
        String configured = frameworkProperties.get(CREDENTIALS);
        String folder = configured == null || configured.isBlank() ? DEFAULT_CREDENTIALS : configured.strip();
        return node.dir().resolve(folder).normalize();
    }

    /** @return {@code CREDENTIALS/ROLE/NAME.token} */
    static Path tokenFile(Path folder, String role, String name) {
        return folder.resolve(role).resolve(name + SUFFIX);
    }

    /* Every token file under the folder, each checked where it is: one that is in no role's folder
       would be a credential the operator believes in and the SCM ignores. */
    private static List<Path> tokenFiles(Path folder) throws LaunchException {
        if (!Files.isDirectory(folder)) {
            throw new LaunchException(folder + ": " + (Files.exists(folder) ? "not a folder" : "missing")
                    + " (the admin credentials, read/NAME" + SUFFIX + " and operate/NAME" + SUFFIX
                    + "); create one with bin/hasm token NODE-FOLDER");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(folder, "*" + SUFFIX)) {
            Iterator<Path> stray = top.iterator();
            if (stray.hasNext()) {
                throw new LaunchException(stray.next() + ": a token file must be in " + folder.resolve("read") + " or "
                        + folder.resolve("operate"));
            }
            for (String role : ROLES) {
                Path dir = folder.resolve(role);
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> tokens = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                        tokens.forEach(files::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new LaunchException(folder + ": cannot be read (" + e.getMessage() + ")");
        }
        files.sort(null);
        return files;
    }

    /**
     * Reads one token file and checks it against the rules.
     *
     * @return the token
     * @throws LaunchException naming the file and the rule it breaks, never quoting the token
     */
    static String readToken(Path file) throws LaunchException {
        String fileName = file.getFileName().toString();
        if (!fileName.endsWith(SUFFIX) || !NAME.matcher(fileName.substring(0, fileName.length() - SUFFIX.length())).matches()) {
            throw new LaunchException(file + ": not a credential name (NAME" + SUFFIX + ", NAME of letters, digits, '_',"
                    + " '-' and '.', not first)");
        }
        if (!Files.isRegularFile(file)) {
            throw new LaunchException(file + ": " + (Files.exists(file) ? "not a file" : "missing") + " (an admin token file)");
        }
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> perms = Files.readAttributes(file, PosixFileAttributes.class).permissions();
                if (perms.stream().anyMatch(OTHERS::contains)) {
                    throw new LaunchException(file + ": readable or writable by others than its owner ("
                            + PosixFilePermissions.toString(perms) + "): chmod 600 " + file);
                }
            }
            if (Files.size(file) > MAX_LENGTH + 2) {
                throw new LaunchException(file + ": longer than " + MAX_LENGTH + " characters (an admin token file)");
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            String token = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                    : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            if (token.isEmpty()) {
                throw new LaunchException(file + ": empty (an admin token file holds one token of " + MIN_LENGTH + " to "
                        + MAX_LENGTH + " characters)");
            }
            if (!TOKEN.matcher(token).matches()) {
                throw new LaunchException(file + ": the token must be one line of visible ASCII characters, without spaces");
            }
            if (token.length() < MIN_LENGTH) {
                throw new LaunchException(file + ": the token is too short (" + token.length() + " characters, at least "
                        + MIN_LENGTH + ")");
            }
            if (token.length() > MAX_LENGTH) {
                throw new LaunchException(file + ": longer than " + MAX_LENGTH + " characters (an admin token file)");
            }
            return token;
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    /**
     * Writes a new credential with a random token (256 bits), readable by its owner only from the
     * moment it exists.
     *
     * @return the file
     * @throws LaunchException if it exists (a credential is never overwritten) or cannot be written
     */
    static Path writeToken(Path folder, String role, String name) throws LaunchException {
        if (!ROLES.contains(role)) {
            throw new LaunchException("--role " + role + ": not a role (read or operate)");
        }
        if (!NAME.matcher(name).matches()) {
            throw new LaunchException("--name " + name + ": not a credential name (letters, digits, '_', '-' and '.',"
                    + " not first)");
        }
        Path file = tokenFile(folder, role, name);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Files.createDirectories(file.getParent());
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
            Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new LaunchException(file + ": exists (delete it first to replace the credential)");
        } catch (IOException e) {
            throw new LaunchException(file + ": cannot be written (" + e.getMessage() + ")");
        }
        return file;
    }

    static final String TOKEN_USAGE = "hasm token DIR [--role read|operate] [--name NAME]";

    /** {@code hasm token DIR [--role R] [--name N]}: a new credential in a node folder. */
    static int tokenCommand(String[] args, Distribution dist, PrintStream out) throws LaunchException {
        String dir = null;
        String role = "operate";
        String name = DEFAULT_NAME;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--role" -> role = value != null ? value : value(args, ++i, arg);
                case "--name" -> name = value != null ? value : value(args, ++i, arg);
                default -> {
                    if (arg.startsWith("-") || dir != null) {
                        throw new LaunchException("token: unexpected '" + arg + "' (usage: " + TOKEN_USAGE + ")");
                    }
                    dir = arg;
                }
            }
        }
        if (dir == null) {
            throw new LaunchException("token needs the node folder (usage: " + TOKEN_USAGE + ")");
        }
        Node node = Node.load(Path.of(dir), dist.home());
        // not Plan.make: that checks the credentials this command is there to create
        Path folder = credentialsFolder(node, Plan.frameworkProperties(dist, node, false));
        Path file = writeToken(folder, role, name);
        out.println("hasm: wrote the " + role + " credential '" + name + "' to " + file + " (owner-only)"
                + (name.equals(DEFAULT_NAME) && role.equals("operate") ? "; hasmctl --node-dir " + node.dir() + " uses it"
                        : "; hasmctl --token-file " + file + " uses it"));
        return 0;
    }

    private static String value(String[] args, int i, String option) throws LaunchException {
        if (i >= args.length) {
            throw new LaunchException(option + " needs a value (usage: " + TOKEN_USAGE + ")");
        }
        return args[i];
    }

    /**
     * Where the node's admin API listens, after checking that it is loopback only or TLS only.
     *
     * @throws LaunchException naming the file and key that make it listen beyond loopback without
     *     TLS, or a TLS setting that cannot work
     */
    static Listener listener(Distribution dist, Plan plan) throws LaunchException {
        Setting host = setting(dist, plan, HOST);
        boolean httpOn = !"false".equalsIgnoreCase(setting(dist, plan, HTTP_ENABLE).value());
        Setting https = setting(dist, plan, HTTPS_ENABLE);
        boolean httpsOn = "true".equalsIgnoreCase(https.value());
        boolean loopback = isLoopback(host.value());
        String where = host.value() == null || host.value().isBlank() ? "every address" : host.value();
        if (!loopback && !httpsOn) {
            throw new LaunchException(host.source() + ": " + HOST + "=" + (host.value() == null ? "" : host.value())
                    + " makes the admin API listen on " + where + " without TLS; beyond loopback it needs "
                    + HTTPS_ENABLE + "=true with " + KEYSTORE + ", and " + HTTP_ENABLE + "=false");
        }
        String connect = host.value() == null || host.value().isBlank() || isAnyLocal(host.value()) ? "127.0.0.1"
                : host.value().contains(":") && !host.value().startsWith("[") ? "[" + host.value() + "]" : host.value();
        if (!httpsOn) {
            int port = port(dist, plan, HTTP_PORT, DEFAULT_HTTP_PORT);
            return new Listener(URI.create("http://" + connect + ":" + port), null, null);
        }
        Setting keystore = setting(dist, plan, KEYSTORE);
        if (keystore.value() == null || keystore.value().isBlank()) {
            throw new LaunchException(https.source() + ": " + HTTPS_ENABLE + "=true needs " + KEYSTORE
                    + " (the keystore with the admin API's key and certificate)");
        }
        Path store = Path.of(keystore.value().strip());
        if (!store.isAbsolute()) {
            // Jetty would look for it from wherever the process was started
            throw new LaunchException(keystore.source() + ": " + KEYSTORE + "=" + keystore.value() + " must be an absolute"
                    + " path (e.g. ${hasm.node.dir}/etc/https.p12)");
        }
        Setting secret = setting(dist, plan, KEYSTORE_PASSWORD);
        String password = secret.value();
        if (password == null || password.isEmpty()) {
            throw new LaunchException(keystore.source() + ": " + KEYSTORE + " needs " + KEYSTORE_PASSWORD);
        }
        try {
            // what Jetty will do at its start, done now so that a mistake is one line here and not a stack trace there
            KeyStore ks = KeyStore.getInstance(store.toFile(), password.toCharArray());
            boolean key = false;
            for (Enumeration<String> aliases = ks.aliases(); aliases.hasMoreElements();) {
                key |= ks.isKeyEntry(aliases.nextElement());
            }
            if (!key) {
                throw new LaunchException(keystore.source() + ": " + KEYSTORE + "=" + store + " holds no private key");
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new LaunchException(keystore.source() + ": " + KEYSTORE + "=" + store + " cannot be opened with "
                    + KEYSTORE_PASSWORD + " (" + Runner.oneLine(e) + ")");
        }
        if (!loopback && httpOn) {
            throw new LaunchException(host.source() + ": " + HOST + "=" + (host.value() == null ? "" : host.value())
                    + " makes the admin API listen on " + where + " with plain HTTP beside TLS; set " + HTTP_ENABLE
                    + "=false (beyond loopback only TLS)");
        }
        int port = port(dist, plan, HTTPS_PORT, DEFAULT_HTTPS_PORT);
        return new Listener(URI.create("https://" + connect + ":" + port), store, password);
    }

    private static int port(Distribution dist, Plan plan, String key, int fallback) throws LaunchException {
        Setting s = setting(dist, plan, key);
        if (s.value() == null || s.value().isBlank()) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(s.value().strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new LaunchException(s.source() + ": " + key + "=" + s.value() + " is not a port (1..65535)");
    }

    /** A Felix HTTP setting and the file that sets it, for messages. */
    private record Setting(String value, Path source) {
    }

    private static Setting setting(Distribution dist, Plan plan, String key) {
        Map<String, Object> config = plan.configurations().get(new ConfigKey(HTTP_PID, null));
        if (config != null && config.get(key) != null) {
            return new Setting(String.valueOf(config.get(key)).strip(), plan.node().etcDir().resolve(HTTP_PID + ConfigFiles.SUFFIX));
        }
        String value = plan.frameworkProperties().get(key);
        Path source = plan.node().frameworkProperties().containsKey(key) || !plan.frameworkProperties().containsKey(key)
                ? plan.node().propertiesFile() : dist.frameworkProperties();
        return new Setting(value, source);
    }

    /* Literal addresses only: a host name would need a look-up, and what it resolves to can change. */
    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.strip();
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        InetAddress address = literal(h);
        return address != null && address.isLoopbackAddress();
    }

    private static boolean isAnyLocal(String host) {
        InetAddress address = literal(host.strip());
        return address != null && address.isAnyLocalAddress();
    }

    private static InetAddress literal(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(h); // a literal: no look-up
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
