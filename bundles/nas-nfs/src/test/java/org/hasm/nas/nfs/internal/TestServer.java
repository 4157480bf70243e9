package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.HaException;

/**
 * The NFS core serving one personality ({@code A} at 127.0.0.1) with one export {@code data} of
 * volume {@code v1}, in a temporary folder, on free ports: what the module does in the framework,
 * with the test in charge of the volume's ownership and the SCM's incarnation.
 */
final class TestServer implements AutoCloseable {
    static final String ADDRESS = "127.0.0.1";
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final Path dir;
    final Path root;
    final Path folder;
    final Fixture.TestVolume volume;
    final Fixture.TestVolumes volumes = new Fixture.TestVolumes();
    final Fixture.RecordingEvents events = new Fixture.RecordingEvents();
    final Fixture.LoopbackAddresses addresses = new Fixture.LoopbackAddresses(ADDRESS);
    final AtomicLong incarnation = new AtomicLong(1);
    final Handles handles = new Handles(HandleKeys.hmac(KEY));
    final int port;
    final int portmapPort;
    final Fixture.TestPersonality personality;
    NfsServer server;
    /** Every procedure answered, as the SCM's metrics read it. */
    final org.hasm.spi.health.RequestTally requests = new org.hasm.spi.health.RequestTally("nfs");
    /** What {@link #start()} serves with; a test changes it, then restarts. */
    NfsSettings settings = NfsSettings.DEFAULTS;

    TestServer() throws IOException, HaException {
        this(Files.createTempDirectory("hasm-nfs-test"), false);
    }

    TestServer(Path dir, boolean readOnly) throws IOException, HaException {
        this(dir, readOnly, true);
    }

    /** @param owned whether this SCM owns the volume from the start, or is still acquiring it */
    TestServer(Path dir, boolean readOnly, boolean owned) throws IOException, HaException {
        this(dir, readOnly, owned, java.util.Map.of());
    }

    /** @param access more personality properties: the export's access keys */
    TestServer(Path dir, boolean readOnly, boolean owned, java.util.Map<String, String> access)
            throws IOException, HaException {
        this.dir = dir;
        this.root = dir.resolve("volumes").resolve("v1");
        this.folder = root.resolve("exported");
        Files.createDirectories(folder);
        // a share every user may write, as an administrator sets one up: root is squashed to nobody
        Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        volume = new Fixture.TestVolume("v1", root);
        volume.owned.set(owned);
        volumes.owned.put("v1", volume);
        port = Fixture.freePort();
        portmapPort = Fixture.freePort();
        Fixture.TestPersonality p = Fixture.personality("A", ADDRESS, port, portmapPort,
                new Fixture.TestExport("data", "v1", "exported", readOnly));
        java.util.Map<String, String> properties = new java.util.HashMap<>(p.properties());
        properties.putAll(access);
        personality = new Fixture.TestPersonality(p.name(), p.addresses(), p.volumes(), p.nfs(), java.util.Map.copyOf(properties));
        start();
    }

    void start() throws HaException {
        server = new NfsServer(settings, volumes, addresses.service, handles, incarnation::get, events, requests);
        server.reconcile(List.of(personality));
        // right after a restart the readiness may find the old sockets still closing: then it opens a little later
        Fixture.await("personality A served", java.time.Duration.ofSeconds(10), () -> server.served().contains("A"));
    }

    /** Ends this server as a crash would leave the volume, and starts a new one: a restart or a takeover. */
    void restart() throws HaException {
        server.destroy();
        start();
    }

    String url(String path) {
        return "nfs://" + ADDRESS + "/data" + path + "?nfsport=" + port + "&mountport=" + port + "&version=3";
    }

    NfsClient client() throws IOException {
        return new NfsClient(ADDRESS, port);
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.destroy();
            }
        } finally {
            addresses.close();
            Fixture.deleteTree(dir);
        }
    }
}
