package org.hasm.itests.starter;

import static org.hasm.itests.cluster.Pair.Scm.A;
import static org.hasm.itests.cluster.Pair.Scm.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;
import org.hasm.itests.cluster.Pair.Timing;
import org.hasm.itests.cluster.Requirements;
import org.hasm.itests.dist.ScmProcess;
import org.hasm.itests.support.Await;
import org.hasm.itests.support.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a third party does with hasm, end to end: a service project written by {@code starter/new-service},
 * built outside the repository with one {@code mvn package} against hasm's SPI, BOM and contract kit as
 * {@code mvn install} puts them in a local repository (a private one here: the shared ~/.m2 is offered
 * only as a file:// remote for the plugins, never written), its own contract test passing; its jar
 * put into both SCMs' deploy folders of a running pair ({@code hasmctl deploy} on one, a copy on the other)
 * serves personality A, and after a {@code kill -9} of the SCM serving it, serves A from the peer with the
 * visit count it kept on A's volume, in a private folder the volume's HTTP export does not reach. A newer
 * version under another file name, given to {@code hasmctl deploy}, then replaces the installed one on the
 * surviving SCM (version before and after said) instead of being installed beside it.
 */
class StarterIT {
    private static final Duration BUILD = Duration.ofSeconds(150);
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String GROUP = "com.acme";
    private static final String NAME = "visits";
    private static final String BSN = GROUP + "." + NAME;
    /** The generated project's 1.0.0-SNAPSHOT, as its manifest says it. */
    private static final String VERSION = "1.0.0.SNAPSHOT";
    private static final Pattern VISIT = Pattern.compile("^visits: personality A on (scm-[ab]) \\(([A-Z, ]+)\\), visit (\\d+)$");

    /** The repository's root, from the distribution the tests run against (runtime/target/hasm). */
    private static Path root() {
        return ScmProcess.distribution().getParent().getParent().getParent();
    }

    @Test
    void aGeneratedServiceBuiltOutsideTheRepositoryPassesTheKitAndSurvivesATakeover(@TempDir Path work) throws Exception {
        Path mvn = Requirements.tool("mvn");
        Requirements.require(mvn != null, "the starter test builds a generated project with Maven: install it "
                + "(Debian package maven) and put mvn on PATH");
        Path root = root();
        Path project = work.resolve(NAME);
        run(work, List.of("bash", root.resolve("starter/new-service").toString(), GROUP, NAME, project.toString()),
                Duration.ofSeconds(30), "starter/new-service");

        Path repo = privateRepository(root);
        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, settings(repo));
        Process build = new ProcessBuilder(mvn.toString(), "-o", "-B", "-s", settings.toString(),
                "-Daether.offline.protocols=file", "package").directory(project.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("mvn.log").toFile()).start();
        Path jar;
        try {
            jar = awaitBuild(build, work, project);
        } finally {
            build.destroyForcibly();
            build.waitFor(10, TimeUnit.SECONDS);
        }
        try (Pair pair = Pair.create(work, Timing.TEST.startedTogether())) {
            int port = pair.basePort() + 38;
            for (Scm scm : Scm.values()) {
                pair.writeConfig(scm, GROUP + "." + NAME + ".cfg", "port=" + port + "\n");
            }
            pair.start(A);
            pair.start(B);
            pair.awaitState(A, "DAC", "MASTER", Pair.BOOT);
            pair.awaitState(B, "DAC", "SLAVE", Pair.BOOT);

            // hasmctl deploy on scm-a, a plain copy into scm-b's folder: both ways install it
            Cli first = deploy(pair, A, jar);
            assertTrue(first.stdout().contains(": " + BSN + " (not installed) -> " + VERSION + ", written to "
                    + pair.node(A).resolve("deploy").resolve(jar.getFileName())), first.toString());
            assertTrue(first.stdout().contains(BSN + " " + VERSION + " is up on scm-a (module "), first.toString());
            Files.copy(jar, pair.node(B).resolve("deploy").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            String address = pair.personalityAddress(A);
            String[] last = {null};
            Await.until("the deployed service to answer for A on scm-a", STEP, () -> {
                last[0] = ask(address, port);
                return last[0] != null && last[0].contains(" on scm-a (MASTER, DAC), visit ");
            }, () -> "last answer: " + last[0] + pair.diagnostics());
            long before = visit(ask(address, port), "scm-a");

            // its private folder is on A's volume, where the volume's own HTTP export does not reach
            Path counted = pair.shared().resolve("volumes").resolve(pair.volume(A)).resolve(".hasm-private/" + NAME + "/visits");
            assertEquals(Long.toString(before), Files.readString(counted).strip(), "the count on A's volume");
            int status = httpStatus(pair.filesUrl(A).resolve(".hasm-private/" + NAME + "/visits"));
            assertNotEquals(200, status, "the HTTP export must not serve a module's private folder");

            pair.kill(A);
            Await.until("the service to answer for A on scm-b after scm-a was killed", STEP, () -> {
                last[0] = ask(address, port);
                return last[0] != null && last[0].contains(" on scm-b (MASTER, DEGRADED), visit ");
            }, () -> "last answer: " + last[0] + pair.diagnostics());
            long after = visit(last[0], "scm-b");
            assertTrue(after > before, "the count goes on where it was on A's volume: " + before + " then " + after);

            // a newer version under another file name replaces the installed one on scm-b, which serves both
            // personalities, instead of being installed beside it
            Path newer = versioned(jar, work.resolve("build/" + NAME + "-renamed-1.0.1.jar"), "1.0.1");
            Cli second = deploy(pair, B, newer);
            System.out.println("# " + first.stdout().strip().replace("\n", "\n# ") + "\n# "
                    + second.stdout().strip().replace("\n", "\n# "));
            Path deployB = pair.node(B).resolve("deploy");
            assertTrue(second.stdout().contains(": " + BSN + " " + VERSION + " -> 1.0.1, written to "
                    + deployB.resolve(jar.getFileName())), second.toString());
            assertTrue(second.stdout().contains(BSN + " 1.0.1 is up on scm-b (module "), second.toString());
            try (Stream<Path> jars = Files.list(deployB)) {
                assertEquals(List.of(deployB.resolve(jar.getFileName())), jars.toList(), "one jar of the service");
            }
            Await.until("the new version to answer for A on scm-b", STEP, () -> {
                last[0] = ask(address, port);
                return last[0] != null && last[0].contains(" on scm-b (MASTER, DEGRADED), visit ");
            }, () -> "last answer: " + last[0] + pair.diagnostics());
            assertTrue(visit(last[0], "scm-b") > after, "the count goes on: " + after + " then " + last[0]);
        }
    }

    private static Cli deploy(Pair pair, Scm scm, Path jar) throws IOException, InterruptedException {
        Cli run = Cli.run(STEP, ScmProcess.distribution().resolve("bin/hasmctl").toString(), "--node-dir",
                pair.node(scm).toString(), "deploy", jar.toString());
        assertEquals(0, run.code(), "hasmctl deploy on " + scm.id() + ": " + run);
        return run;
    }

    /** @return a copy of {@code jar} at {@code target} whose manifest says {@code version} */
    private static Path versioned(Path jar, Path target, String version) throws IOException {
        Files.createDirectories(target.getParent());
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest m = new Manifest(in.getManifest());
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), m)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    /** @return the visit number of an answer from {@code scm} */
    private static long visit(String answer, String scm) {
        Matcher m = VISIT.matcher(answer == null ? "" : answer);
        assertTrue(m.matches(), "answer: " + answer);
        assertEquals(scm, m.group(1), answer);
        return Long.parseLong(m.group(3));
    }

    /** @return the service's one line, or {@code null} if nothing answers */
    private static String ask(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? null : text;
        } catch (IOException e) {
            return null;
        }
    }

    private static int httpStatus(URI url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
    }

    private static Path awaitBuild(Process build, Path work, Path project) throws Exception {
        boolean ended = build.waitFor(BUILD.toSeconds(), TimeUnit.SECONDS);
        String log = Files.readString(work.resolve("mvn.log"));
        assertTrue(ended, "mvn package did not end within " + BUILD.toSeconds() + " s:\n" + tail(log));
        assertEquals(0, build.exitValue(), "mvn package of the generated project failed:\n" + tail(log));
        assertTrue(log.contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0"), "its contract test ran and passed:\n"
                + tail(log));
        Path jar = project.resolve("target/" + GROUP + "." + NAME + "-1.0.0-SNAPSHOT.jar");
        assertTrue(Files.isRegularFile(jar), "no " + jar + ":\n" + tail(log));
        return jar;
    }

    /**
     * A local repository of the test's own (kept between runs under itests/target for the plugins it
     * copies), holding hasm's SPI, BOM and contract kit as {@code mvn install} would put them there.
     */
    private static Path privateRepository(Path root) throws IOException {
        Path repo = root.resolve("itests/target/starter-repo");
        Path hasm = repo.resolve("org/hasm");
        if (Files.exists(hasm)) {
            try (Stream<Path> old = Files.walk(hasm)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        install(repo, root.resolve("bundles/hasm-spi"), "org.hasm.spi", true);
        install(repo, root.resolve("bundles/hasm-testkit"), "hasm-testkit", true);
        install(repo, root.resolve("bundles/hasm-bom"), "hasm-bom", false);
        return repo;
    }

    private static void install(Path repo, Path module, String artifactId, boolean jar) throws IOException {
        String pom = Files.readString(module.resolve("pom.xml"));
        Matcher v = Pattern.compile("<artifactId>" + Pattern.quote(artifactId) + "</artifactId>\\s*(?:<!--[^>]*-->\\s*)?<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(v.find(), "no version in " + module.resolve("pom.xml"));
        String version = v.group(1);
        Path dir = Files.createDirectories(repo.resolve("org/hasm").resolve(artifactId).resolve(version));
        Files.copy(module.resolve("pom.xml"), dir.resolve(artifactId + "-" + version + ".pom"));
        if (jar) {
            Path built = module.resolve("target/" + artifactId + "-" + version + ".jar");
            assertTrue(Files.isRegularFile(built), "not built: " + built + " (mvn verify -pl itests -am builds it)");
            Files.copy(built, dir.resolve(artifactId + "-" + version + ".jar"));
        }
    }

    /** Maven settings: the private repository, and ~/.m2 as a read-only file:// remote for releases only. */
    private static String settings(Path repo) {
        String m2 = Path.of(System.getProperty("user.home"), ".m2", "repository").toUri().toString();
        String remote = "<id>m2</id><url>" + m2 + "</url><releases><enabled>true</enabled><checksumPolicy>ignore"
                + "</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>";
        return "<settings>\n  <localRepository>" + repo + "</localRepository>\n  <profiles><profile><id>m2</id>\n"
                + "    <repositories><repository>" + remote + "</repository></repositories>\n"
                + "    <pluginRepositories><pluginRepository>" + remote + "</pluginRepository></pluginRepositories>\n"
                + "  </profile></profiles>\n  <activeProfiles><activeProfile>m2</activeProfile></activeProfiles>\n</settings>\n";
    }

    private static void run(Path work, List<String> command, Duration timeout, String what) throws Exception {
        Path out = work.resolve("run-" + what.replaceAll("[^A-Za-z0-9]", "_") + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            boolean ended = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
            assertTrue(ended && p.exitValue() == 0, what + " failed:\n" + Files.readString(out));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String tail(String log) {
        List<String> lines = new ArrayList<>(List.of(log.split("\n")));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
