package org.hasm.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The configuration of a demo pair: two node folders, {@code scm-a} (configured MASTER) and
 * {@code scm-b} (SLAVE), that watch each other over two status channels and two link channels on
 * loopback addresses, share one cluster key and both know personalities A and B.
 *
 * <p>Every port derives from one base port P, so that several pairs can run on one machine:
 * admin HTTP P (scm-a) and P+1 (scm-b); status UDP {@code link} P+10/P+20 on 127.0.0.1 and
 * {@code host} P+11/P+21 on 127.0.0.2; link TCP {@code link} P+12/P+22 on 127.0.0.1 and
 * {@code host} P+13/P+23 on 127.0.0.2; the example service P+30 (personality A) and P+31 (B); SMB
 * P+33 on each personality address.
 *
 * <p>Each personality has its own address, as clients would know it: A is 127.0.3.1 and B is
 * 127.0.3.2, whichever SCM serves them; the HTTP/WebDAV export {@code files} of each is at
 * {@code http://<address>:P+32/files/}, and the same folder is the NFS export {@code /files} (NFS and
 * MOUNT at P+35, a portmapper at P+36). Both SCMs reach the folder {@code shared/}: the volumes
 * ({@code vol-a}, {@code vol-b}), their ownership records and a storage heartbeat, a third status
 * channel that networks cannot give. A peer unreachable on every network is fenced by killing its
 * process (from its pid file) before its volumes are taken over.
 */
final class DemoPair {

    static final int DEFAULT_BASE_PORT = 7700;
    /** The highest port is base + this. */
    static final int PORT_SPAN = 40;
    static final int MIN_BASE_PORT = 1024;
    static final int MAX_BASE_PORT = 65535 - PORT_SPAN;

    /**
     * The status timing a demo pair is written with, {@code --timing NAME}: how often each SCM sends
     * its status message on every channel, and how many may go missing before a channel is BAD.
     *
     * @param intervalMs the status interval
     * @param counter    the missed-message counter
     */
    record Timing(long intervalMs, int counter) {
        /**
         * The default: a killed SCM's personality is served by its peer well within a second. At
         * this timing the status monitor kept a pair with 30% of its status messages lost free of
         * false failovers (NoFalseFailoverBench), and a flood at the status ports fenced no one
         * (FloodBench).
         */
        static final Timing TUNED = new Timing(50, 4);
        /** The patent's: one status message a second, ten missed before a channel is BAD (~10 s takeover). */
        static final Timing PATENT = new Timing(1000, 10);

        static Timing named(String name) throws LaunchException {
            return switch (name.strip()) {
                case "tuned" -> TUNED;
                case "patent" -> PATENT;
                default -> throw new LaunchException("--timing " + name + ": must be tuned (" + TUNED.describe()
                        + ", the default) or patent (" + PATENT.describe() + ")");
            };
        }

        String describe() {
            return intervalMs + " ms x " + counter;
        }
    }

    /** The options of {@code hasm demo}. */
    record Options(Path dir, boolean start, int basePort, long intervalMs, int counter, long initTimeoutMs,
            boolean faults) {
    }

    /** One SCM of the pair. */
    record Scm(String name, String role, String peer, int index) {
        /** @return the folder of this SCM under the pair's folder */
        Path dir(Path pair) {
            return pair.resolve(name);
        }
    }

    static final Scm A = new Scm("scm-a", "MASTER", "scm-b", 0);
    static final Scm B = new Scm("scm-b", "SLAVE", "scm-a", 1);
    static final List<Scm> SCMS = List.of(A, B);

    /** A port the pair uses, for the check that nothing else holds it. */
    record Port(String what, String host, int port, boolean udp) {
    }

    private DemoPair() {
    }

    static final String USAGE = "hasm demo [--dir DIR] [--no-start] [--base-port P] [--timing tuned|patent]"
            + " [--interval-ms N] [--counter N]"
            + " [--init-timeout-ms N] [--faults]";

    static Options parse(String[] args) throws LaunchException {
        Path dir = null;
        boolean start = true;
        int base = DEFAULT_BASE_PORT;
        Timing timing = Timing.TUNED;
        Long interval = null;
        Integer counter = null;
        long initTimeout = 5000;
        boolean faults = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--dir" -> {
                    String text = value != null ? value : next(args, ++i, arg);
                    if (text.isBlank()) {
                        throw new LaunchException("--dir needs a folder");
                    }
                    dir = Paths.get(text);
                }
                case "--no-start" -> start = false;
                case "--faults" -> faults = true;
                case "--base-port" -> base = (int) number(arg, value != null ? value : next(args, ++i, arg),
                        MIN_BASE_PORT, MAX_BASE_PORT, " (the pair uses P to P+" + PORT_SPAN + ")");
                case "--timing" -> timing = Timing.named(value != null ? value : next(args, ++i, arg));
                case "--interval-ms" -> interval = number(arg, value != null ? value : next(args, ++i, arg),
                        20, 3_600_000, "");
                case "--counter" -> counter = (int) number(arg, value != null ? value : next(args, ++i, arg),
                        1, 1_000_000, "");
                case "--init-timeout-ms" -> initTimeout = number(arg, value != null ? value : next(args, ++i, arg),
                        1, 3_600_000, "");
                default -> throw new LaunchException((arg.startsWith("-") ? "demo: unknown option " + arg
                        : "demo: unexpected argument '" + arg + "'") + " (usage: " + USAGE + ")");
            }
        }
        // --interval-ms and --counter refine the chosen timing, in whichever order they are given
        return new Options(dir, start, base, interval != null ? interval : timing.intervalMs(),
                counter != null ? counter : timing.counter(), initTimeout, faults);
    }

    private static String next(String[] args, int i, String option) throws LaunchException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new LaunchException(option + " needs a value (usage: " + USAGE + ")");
        }
        return args[i];
    }

    private static long number(String option, String text, long min, long max, String why) throws LaunchException {
        long value;
        try {
            value = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new LaunchException(option + " " + text + ": not a whole number");
        }
        if (value < min || value > max) {
            throw new LaunchException(option + " " + text + ": must be " + min + ".." + max + why);
        }
        return value;
    }

    /**
     * Creates the folder (a new one under the system's temp folder if none was given) and writes
     * both node folders into it.
     *
     * @return the pair's folder, absolute
     * @throws LaunchException if the folder exists and is not empty, or cannot be written
     */
    static Path write(Options options) throws LaunchException {
        Path dir = folder(options.dir());
        try {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            String hexKey = HexFormat.of().formatHex(key) + "\n";
            String smbHash = writeSmbAuth(dir.resolve(SMB_AUTH));
            for (Scm scm : SCMS) {
                Path etc = scm.dir(dir).resolve("etc");
                Files.createDirectories(etc);
                Files.createDirectories(scm.dir(dir).resolve("deploy"));
                writeKey(etc.resolve("cluster.key"), hexKey);
                // a credential for the operator (hasmctl --node-dir) and a read-only one (the demo's own watch),
                // the same on both SCMs: a SLAVE redirects commands to the MASTER, and hasmctl sends the one it has
                Path admin = etc.resolve("admin");
                if (scm == SCMS.get(0)) {
                    AdminAccess.writeToken(admin, "operate", AdminAccess.DEFAULT_NAME);
                    AdminAccess.writeToken(admin, "read", MONITOR);
                } else {
                    Path first = SCMS.get(0).dir(dir).resolve("etc/admin");
                    for (Path token : List.of(AdminAccess.tokenFile(first, "operate", AdminAccess.DEFAULT_NAME),
                            AdminAccess.tokenFile(first, "read", MONITOR))) {
                        Path copy = admin.resolve(first.relativize(token));
                        Files.createDirectories(copy.getParent());
                        Files.copy(token, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
                Files.createDirectories(dir.resolve(SHARED).resolve("heartbeat"));
                for (String personality : List.of("A", "B")) {
                    writableShare(dir.resolve(SHARED).resolve("volumes").resolve(volume(personality)));
                }
                for (Map.Entry<String, Map<String, String>> file : files(scm, options, dir, smbHash).entrySet()) {
                    write(etc.resolve(file.getKey()), file.getValue());
                }
            }
        } catch (IOException e) {
            throw new LaunchException(dir + ": cannot write the demo pair (" + e.getMessage() + ")");
        }
        return dir;
    }

    private static Path folder(Path given) throws LaunchException {
        try {
            if (given == null) {
                return Files.createTempDirectory("hasm-demo-").toAbsolutePath();
            }
            Path dir = given.toAbsolutePath().normalize();
            if (Files.exists(dir)) {
                if (!Files.isDirectory(dir)) {
                    throw new LaunchException(dir + ": exists and is not a folder (--dir must be a new or empty folder)");
                }
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new LaunchException(dir + ": exists and is not empty (--dir must be a new or empty folder;"
                                + " to run a pair written before: bin/hasm run " + dir.resolve(A.name()) + ")");
                    }
                }
            }
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new LaunchException((given == null ? "the temp folder" : given.toString()) + ": cannot be created ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * Draws the demo SMB user's password and writes it, owner-only, as {@code smbclient -A} reads it.
     *
     * @return its NT hash, the only form the SCMs' configuration gets
     */
    private static String writeSmbAuth(Path file) throws IOException {
        byte[] random = new byte[15];
        new SecureRandom().nextBytes(random);
        String password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, "username = " + SMB_USER + "\npassword = " + password + "\n", StandardCharsets.UTF_8);
        return NtHash.of(password);
    }

    /* Like the wire library's ClusterKey.generate: created owner-only, so it is never readable by
       others, not even for a moment; both SCMs get the same text. */
    private static void writeKey(Path file, String hexKey) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, hexKey, StandardCharsets.US_ASCII);
    }

    /** @return file name in etc/ → its lines (comment lines start with '#') */
    static Map<String, Map<String, String>> files(Scm scm, Options options, Path dir, String smbHash) {
        int p = options.basePort();
        boolean a = scm == A;
        Map<String, Map<String, String>> files = new LinkedHashMap<>();

        Map<String, String> hasm = new LinkedHashMap<>();
        hasm.put("#1", "# " + scm.name() + " of a demo pair written by bin/hasm demo; start it with bin/hasm run on this folder");
        hasm.put(Node.SCM, scm.name());
        hasm.put(Node.ROLE, scm.role());
        hasm.put("#2", "# the other SCM of the pair: the status monitor, the link and the controller talk to it");
        hasm.put("hasm.peer", scm.peer());
        hasm.put(Node.FEATURES, "hasm-core,hasm-config,hasm-example,hasm-http,hasm-nfs,hasm-smb");
        hasm.put("#3", "# a deploy folder of its own, so that a jar can be upgraded on one SCM at a time");
        hasm.put(Node.DEPLOY_DIR, "deploy");
        hasm.put(Node.LOG_LEVEL, "INFO");
        hasm.put("#4", "# the admin REST API on loopback, credentials in etc/admin: bin/hasmctl --node-dir "
                + scm.dir(dir) + " status");
        hasm.put("org.osgi.service.http.port", Integer.toString(adminPort(scm, p)));
        hasm.put("org.apache.felix.http.host", "127.0.0.1");
        if (options.faults()) {
            hasm.put("#5", "# test only: the admin API's /faults routes (drop status messages on a channel)");
            hasm.put("hasm.faults.enabled", "true");
        }
        files.put("hasm.properties", hasm);

        Path shared = dir.resolve(SHARED);
        long interval = options.intervalMs();
        int counter = options.counter();
        // The storage lease (how long a writer that cannot read its ownership record goes on) must run
        // out before the peer may take over on the heartbeat alone: the heartbeat's counter is doubled.
        long check = Math.max(20, interval);
        long lease = Math.max(2 * check, interval * counter);

        Map<String, String> status = new LinkedHashMap<>();
        status.put("#1", "# status messages to the peer on two networks and a heartbeat on the shared storage (the channels:");
        status.put("#2", "# org.hasm.status.channel~NAME.cfg); the peer is dead only when every network is BAD and (its");
        status.put("#3", "# heartbeat stopped or it was fenced). Both SCMs must use the same timing: a message every");
        status.put("#4", "# interval.ms, a channel BAD after counter.start missed: " + interval + " ms x "
                + counter + (interval == Timing.TUNED.intervalMs() && counter == Timing.TUNED.counter()
                        ? " (hasm demo --timing tuned)" : interval == Timing.PATENT.intervalMs()
                        && counter == Timing.PATENT.counter() ? " (hasm demo --timing patent)" : ""));
        status.put("interval.ms", Long.toString(interval));
        status.put("counter.start", Integer.toString(counter));
        status.put("fence.agent", "process");
        files.put("org.hasm.status.cfg", status);
        files.put("org.hasm.status.channel~link.cfg", networkChannel("status", "127.0.0.1", p + (a ? 10 : 20), p + (a ? 20 : 10)));
        files.put("org.hasm.status.channel~host.cfg", networkChannel("status", "127.0.0.2", p + (a ? 11 : 21), p + (a ? 21 : 11)));
        Map<String, String> disk = new LinkedHashMap<>();
        disk.put("#1", "# the heartbeat on the shared storage: the tie-breaker networks cannot give; its lease (counter x");
        disk.put("#2", "# interval.ms) outlasts the storage lease (org.hasm.storage.cfg lease.ms)");
        disk.put("kind", "disk");
        disk.put("dir", shared.resolve("heartbeat").toString());
        disk.put("counter", Integer.toString(diskCounter(interval, counter)));
        files.put("org.hasm.status.channel~disk.cfg", disk);

        Map<String, String> link = new LinkedHashMap<>();
        link.put("#1", "# requests to the peer, over the best channel that works (the channels: org.hasm.link.channel~NAME.cfg)");
        link.put("connect.timeout.ms", "1000");
        files.put("org.hasm.link.cfg", link);
        Map<String, String> linkLink = networkChannel("link", "127.0.0.1", p + (a ? 12 : 22), p + (a ? 22 : 12));
        linkLink.put("order", "1");
        files.put("org.hasm.link.channel~link.cfg", linkLink);
        Map<String, String> linkHost = networkChannel("link", "127.0.0.2", p + (a ? 13 : 23), p + (a ? 23 : 13));
        linkHost.put("order", "2");
        files.put("org.hasm.link.channel~host.cfg", linkHost);

        Map<String, String> controller = new LinkedHashMap<>();
        controller.put("#1", "# how long INIT waits for the peer before this SCM boots on alone");
        controller.put("init.peer.timeout.ms", Long.toString(options.initTimeoutMs()));
        files.put("org.hasm.controller.cfg", controller);

        Map<String, String> storage = new LinkedHashMap<>();
        storage.put("#1", "# the shared storage: volumes, their ownership records (with epochs)");
        storage.put("shared.dir", shared.toString());
        storage.put("check.interval.ms", Long.toString(check));
        storage.put("lease.ms", Long.toString(lease));
        files.put("org.hasm.storage.cfg", storage);

        Map<String, String> fence = new LinkedHashMap<>();
        fence.put("#1", "# how to stop the peer for good before taking its volumes: kill its process");
        fence.put("fence.process.pidfile", dir.resolve(scm.peer()).resolve(PidFile.NAME).toString());
        files.put("org.hasm.fence.cfg", fence);

        Map<String, String> smb = new LinkedHashMap<>();
        smb.put("#1", "# SMB (Samba's smbd per personality): the user " + SMB_USER + ", whose password is in "
                + dir.resolve(SMB_AUTH) + "; NT hash only here");
        smb.put("users", SMB_USER + ":" + smbHash + ":" + smbAccount());
        files.put("org.hasm.nas.smb.cfg", smb);

        files.put("org.hasm.personality~a.cfg", personality("A", A, p));
        files.put("org.hasm.personality~b.cfg", personality("B", B, p));
        return files;
    }

    /** @return a network channel of the status monitor ({@code status}, UDP) or the link ({@code link}, TCP) */
    private static Map<String, String> networkChannel(String of, String host, int local, int peer) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("#1", "# a " + (of.equals("status") ? "status (UDP)" : "link (TCP)") + " channel: where this SCM"
                + " listens, where the peer does");
        lines.put("local", host + ":" + local);
        lines.put("peer", host + ":" + peer);
        return lines;
    }

    /**
     * The storage heartbeat's counter: twice the networks' (the storage lease must run out before a
     * peer may be taken over on the heartbeat alone), and never under a second of silence. A serving
     * peer silent on every network whose heartbeat stopped too is fenced at once; a JVM, or a whole
     * host, stalled for a few hundred milliseconds (two JVMs warming up on a loaded 2-core machine
     * stalled 400 ms at the tuned timing) must not look like that. A killed peer is found dead by
     * evidence (its connections reset, its pid gone), not by this counter, so its takeover is not slower.
     */
    static int diskCounter(long intervalMs, int counter) {
        return (int) Math.max(2L * counter, (MIN_HEARTBEAT_SILENCE_MS + intervalMs - 1) / intervalMs);
    }

    static final long MIN_HEARTBEAT_SILENCE_MS = 1000;

    /** The read-only credential each SCM of the demo has, which the demo watches the pair with. */
    static final String MONITOR = "monitor";

    /** The folder both SCMs of the demo reach, standing in for shared storage. */
    static final String SHARED = "shared";

    /** @return the service address of the personality whose home is {@code home} */
    static String personalityAddress(Scm home) {
        return "127.0.3." + (home.index() + 1);
    }

    static int httpPort(int base) {
        return base + 32;
    }

    static int smbPort(int base) {
        return base + 33;
    }

    /** The demo's SMB user. */
    static final String SMB_USER = "demo";
    /** Its credentials for {@code smbclient -A}, owner-only, in the pair's folder. */
    static final String SMB_AUTH = "smb-demo.auth";

    /**
     * @return the Unix account the demo's SMB user is authenticated as: the operator's own (Samba
     *     authenticates every user as an existing account; files are written as the SCM's account anyway)
     */
    static String smbAccount() {
        return System.getProperty("user.name");
    }

    /** NFS and MOUNT of every personality, at its own address. */
    static int nfsPort(int base) {
        return base + 35;
    }

    /** The portmapper of every personality, at its own address: 111 would need root. */
    static int portmapPort(int base) {
        return base + 36;
    }

    /** @return a libnfs URL of the nfs export {@code files} of the personality whose home is {@code home} */
    static String nfsUrl(Scm home, int base, String path) {
        return "nfs://" + personalityAddress(home) + "/files" + path + "?nfsport=" + nfsPort(base) + "&mountport="
                + nfsPort(base) + "&version=3";
    }

    private static String volume(String personality) {
        return "vol-" + personality.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Makes a volume's folder a share every client may write, like {@code /tmp} (everyone creates,
     * only an entry's owner removes it): the NFS service checks mode bits against the caller and
     * squashes root to nobody, so a folder only its owner may write would refuse the demo's clients.
     * The storage module keeps a folder that is there as it is.
     */
    private static void writableShare(Path volume) throws IOException {
        Files.createDirectories(volume);
        Files.setAttribute(volume, "unix:mode", 01777);
    }

    private static Map<String, String> personality(String name, Scm home, int base) {
        String volume = volume(name);
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("#1", "# personality " + name + ": served by " + home.name() + ", and by its peer while "
                + home.name() + " is down");
        lines.put("name", name);
        lines.put("home", home.name());
        lines.put("addresses", personalityAddress(home));
        lines.put("volumes", volume);
        lines.put("#2", "# HTTP/WebDAV: http://" + personalityAddress(home) + ":" + httpPort(base) + "/files/");
        lines.put("export.http.files", volume + ":/");
        lines.put("http.port", Integer.toString(httpPort(base)));
        lines.put("#3", "# NFSv3: nfs-ls '" + nfsUrl(home, base, "") + "'");
        lines.put("export.nfs.files", volume + ":/");
        lines.put("nfs.port", Integer.toString(nfsPort(base)));
        lines.put("nfs.portmap.port", Integer.toString(portmapPort(base)));
        lines.put("example.port", Integer.toString(examplePort(home, base)));
        lines.put("#4", "# SMB: smbclient //" + personalityAddress(home) + "/files -p " + smbPort(base)
                + " -m SMB3 (as " + SMB_USER + ", or -N as a guest)");
        lines.put("export.smb.files", volume + ":/");
        lines.put("smb.port", Integer.toString(smbPort(base)));
        lines.put("smb.guest", "files");
        return lines;
    }

    private static void write(Path file, Map<String, String> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        lines.forEach((key, value) -> {
            if (key.startsWith("#")) {
                text.append(value).append('\n');
            } else {
                // values here are names, numbers and IP:port: nothing Properties would need escaped
                text.append(key).append('=').append(value).append('\n');
            }
        });
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
    }

    static int adminPort(Scm scm, int base) {
        return base + scm.index();
    }

    static int examplePort(Scm home, int base) {
        return base + 30 + home.index();
    }

    /** @return every port the pair binds, for a check before it starts */
    static List<Port> ports(int p) {
        List<Port> ports = new ArrayList<>();
        for (Scm scm : SCMS) {
            int own = scm == A ? 10 : 20;
            ports.add(new Port(scm.name() + " admin HTTP", "127.0.0.1", adminPort(scm, p), false));
            ports.add(new Port(scm.name() + " status channel link", "127.0.0.1", p + own, true));
            ports.add(new Port(scm.name() + " status channel host", "127.0.0.2", p + own + 1, true));
            ports.add(new Port(scm.name() + " link channel link", "127.0.0.1", p + own + 2, false));
            ports.add(new Port(scm.name() + " link channel host", "127.0.0.2", p + own + 3, false));
            ports.add(new Port("example service of personality " + (scm == A ? "A" : "B"), personalityAddress(scm),
                    examplePort(scm, p), false));
            ports.add(new Port("HTTP of personality " + (scm == A ? "A" : "B"), personalityAddress(scm), httpPort(p),
                    false));
            ports.add(new Port("SMB of personality " + (scm == A ? "A" : "B"), personalityAddress(scm), smbPort(p),
                    false));
            ports.add(new Port("NFS of personality " + (scm == A ? "A" : "B"), personalityAddress(scm), nfsPort(p),
                    false));
            ports.add(new Port("portmapper of personality " + (scm == A ? "A" : "B"), personalityAddress(scm),
                    portmapPort(p), false));
        }
        return ports;
    }
}
